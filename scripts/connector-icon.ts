/**
 * The connector's icon: a 230×230 PNG on the brand colour (certification asks for 230×230 and a background that is
 * neither white nor transparent), with a white ring and check mark for "referral handled". Drawn and encoded here
 * with node:zlib, so the committed icon.png is generated like every other connector file and a test can check it.
 */
import { deflateSync, inflateSync } from 'node:zlib';

export const ICON_SIZE = 230;

type Rgb = readonly [number, number, number];

export function parseHexColor(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1] ?? '', 16), parseInt(match[2] ?? '', 16), parseInt(match[3] ?? '', 16)];
}

// ---- PNG encoding (RFC 2083) ------------------------------------------------------------------------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8-bit RGB PNG (no alpha channel, so nothing can be transparent); `pixels` is width × height × 3 bytes. */
export function encodePng(width: number, height: number, pixels: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: truecolour
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter type 0 (none) before each row.
    pixels.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly colorType: number;
  readonly bitDepth: number;
  /** RGB bytes, for the unfiltered 8-bit truecolour images `encodePng` writes; undefined for anything else. */
  readonly pixels?: Buffer;
}

/** Reads a PNG's header, and its pixels when it is the kind `encodePng` writes: enough for the tests' checks. */
export function decodePng(file: Buffer): DecodedPng {
  if (!file.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  const data: Buffer[] = [];
  let header: Buffer | undefined;
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  if (!header) throw new Error('PNG without IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header.readUInt8(8);
  const colorType = header.readUInt8(9);
  if (bitDepth !== 8 || colorType !== 2) return { width, height, bitDepth, colorType };
  const rows = inflateSync(Buffer.concat(data));
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const start = y * (width * 3 + 1);
    if (rows[start] !== 0) return { width, height, bitDepth, colorType };
    rows.copy(pixels, y * width * 3, start + 1, start + 1 + width * 3);
  }
  return { width, height, bitDepth, colorType, pixels };
}

// ---- Drawing ------------------------------------------------------------------------------------------------

type Point = readonly [number, number];

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Whether a point belongs to the glyph: a ring around a check mark. */
function inGlyph(point: Point): boolean {
  const centre = ICON_SIZE / 2;
  const ring = Math.abs(Math.hypot(point[0] - centre, point[1] - centre) - 78) <= 8;
  const check: Point[] = [
    [78, 118],
    [104, 144],
    [154, 90],
  ];
  const tick =
    distanceToSegment(point, check[0] ?? [0, 0], check[1] ?? [0, 0]) <= 10 ||
    distanceToSegment(point, check[1] ?? [0, 0], check[2] ?? [0, 0]) <= 10;
  return ring || tick;
}

/** The icon's PNG bytes: deterministic, so the committed file can be compared with a fresh one. */
export function renderIcon(brandColor: string): Buffer {
  const background = parseHexColor(brandColor);
  const pixels = Buffer.alloc(ICON_SIZE * ICON_SIZE * 3);
  // 4×4 samples per pixel smooth the glyph's edges.
  const samples = 4;
  for (let y = 0; y < ICON_SIZE; y++) {
    for (let x = 0; x < ICON_SIZE; x++) {
      let covered = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          if (inGlyph([x + (sx + 0.5) / samples, y + (sy + 0.5) / samples])) covered++;
        }
      }
      const white = covered / (samples * samples);
      for (let channel = 0; channel < 3; channel++) {
        const base = background[channel] ?? 0;
        pixels[(y * ICON_SIZE + x) * 3 + channel] = Math.round(base + (255 - base) * white);
      }
    }
  }
  return encodePng(ICON_SIZE, ICON_SIZE, pixels);
}
