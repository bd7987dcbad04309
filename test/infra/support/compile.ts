/**
 * infra/ compiled by the real Bicep CLI: `bicep build` of every .bicep file and `bicep lint` with
 * infra/bicepconfig.json, once per content of infra/ and CLI. Test files run in separate processes, so the
 * result is cached in a file keyed by a hash of both; a changed template (or a mutation) compiles afresh.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { findBicepCli, howToGetBicep, isCi, type BicepCli } from '../../../scripts/bicep-cli';
import type { ArmTemplate } from './arm';
import { infraDirectory } from './paths';

export interface Diagnostic {
  /** Path under infra/. */
  readonly file: string;
  readonly line: number;
  readonly level: 'Error' | 'Warning' | 'Info';
  readonly code: string;
  readonly message: string;
}

export interface Compiled {
  readonly cliVersion: string;
  /** Each .bicep file's compiled template, by path under infra/ with .json for .bicep (e.g. `app/storage.json`). */
  readonly templates: Readonly<Record<string, ArmTemplate>>;
  readonly buildDiagnostics: readonly Diagnostic[];
  readonly lintDiagnostics: readonly Diagnostic[];
  readonly buildExitCode: number;
  readonly lintExitCode: number;
}

function infraFiles(): string[] {
  return readdirSync(infraDirectory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** `/abs/infra/main.bicep(12,3) : Warning no-unused-params: Parameter "x" is declared but never used. [url]` */
function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.*?)\((\d+),\d+\) : (Error|Warning|Info) ([\w-]+): (.*)$/.exec(line.trim());
    if (!match) continue;
    const [, file = '', lineNumber = '0', level, code = '', message = ''] = match;
    diagnostics.push({
      file: relative(infraDirectory, file),
      line: Number(lineNumber),
      level: level as Diagnostic['level'],
      code,
      message,
    });
  }
  return diagnostics;
}

function compileNow(cli: BicepCli): Compiled {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-build-'));
  try {
    const pattern = join(infraDirectory, '**', '*.bicep');
    const build = spawnSync(cli.path, ['build', '--pattern', pattern, '--outdir', outdir], {
      encoding: 'utf8',
    });
    const lint = spawnSync(cli.path, ['lint', '--pattern', pattern], { encoding: 'utf8' });
    const version = spawnSync(cli.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const templates: Record<string, ArmTemplate> = {};
    for (const entry of readdirSync(outdir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
      const path = join(entry.parentPath, entry.name);
      templates[relative(outdir, path)] = JSON.parse(readFileSync(path, 'utf8')) as ArmTemplate;
    }
    return {
      cliVersion: version,
      templates,
      buildDiagnostics: parseDiagnostics(`${build.stdout}\n${build.stderr}`),
      lintDiagnostics: parseDiagnostics(`${lint.stdout}\n${lint.stderr}`),
      buildExitCode: build.status ?? -1,
      lintExitCode: lint.status ?? -1,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function cacheKey(cli: BicepCli): string {
  const hash = createHash('sha256').update(cli.path);
  for (const file of infraFiles()) {
    hash.update(relative(infraDirectory, file)).update('\u0000').update(readFileSync(file)).update('\u0000');
  }
  return hash.digest('hex').slice(0, 32);
}

let memo: Compiled | undefined;

/** The compiled infra/, or why it could not be compiled here (a missing CLI outside CI). */
export function compiledInfra(): Compiled {
  if (memo) return memo;
  const lookup = findBicepCli();
  if ('missing' in lookup) throw new Error(`${lookup.missing}: ${howToGetBicep}`);
  const cacheDirectory = join(tmpdir(), 'referrals-facade-bicep-cache');
  const cacheFile = join(cacheDirectory, `${cacheKey(lookup.found)}.json`);
  try {
    memo = JSON.parse(readFileSync(cacheFile, 'utf8')) as Compiled;
    return memo;
  } catch {
    // Not cached yet.
  }
  memo = compileNow(lookup.found);
  mkdirSync(cacheDirectory, { recursive: true });
  // Written whole and renamed, so a concurrent test process never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(memo));
  renameSync(partial, cacheFile);
  return memo;
}

/**
 * Why the compile-based tests are skipped, or false when they run. Under CI=true they always run, so a missing
 * CLI fails them instead of passing silently.
 */
export function skipWithoutBicep(): string | false {
  if (isCi()) return false;
  const lookup = findBicepCli();
  return 'missing' in lookup ? `skipped: no Bicep CLI; ${howToGetBicep}` : false;
}

export function mainTemplate(): ArmTemplate {
  const main = compiledInfra().templates['main.json'];
  if (!main) throw new Error('bicep build wrote no main.json');
  return main;
}
