/**
 * Reads the mapping configuration from an app setting (inline JSON) or a file, and validates it. Errors name the
 * mapping and field at fault, never a value from the file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mappingFileSchema, type MappingFile } from './mapping';

export class WebhookConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid webhook configuration: ${problems.join('; ')}`);
    this.name = 'WebhookConfigError';
  }
}

export interface MappingSource {
  readonly mappingsJson?: string;
  readonly mappingsFile?: string;
}

export function loadMappings(source: MappingSource): MappingFile {
  if (source.mappingsJson !== undefined && source.mappingsFile !== undefined) {
    throw new WebhookConfigError(['set WEBHOOK_MAPPINGS or WEBHOOK_MAPPINGS_FILE, not both']);
  }
  let text: string;
  let origin: string;
  if (source.mappingsJson !== undefined) {
    text = source.mappingsJson;
    origin = 'WEBHOOK_MAPPINGS';
  } else if (source.mappingsFile !== undefined) {
    origin = 'WEBHOOK_MAPPINGS_FILE';
    try {
      text = readFileSync(resolve(source.mappingsFile), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new WebhookConfigError([`${origin} names a file that cannot be read (${code})`]);
    }
  } else {
    return { mappings: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebhookConfigError([`${origin} is not valid JSON`]);
  }
  const result = mappingFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new WebhookConfigError(
      result.error.issues.map((issue) => `${origin} ${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}
