/**
 * Finds the Bicep CLI the infrastructure tests compile with, or restores the pinned one from NuGet.
 *
 * Order: `BICEP_CLI`, then `bicep` on PATH, then the one `az bicep install` puts in `~/.azure/bin`, then the
 * `Azure.Bicep.CommandLine.linux-x64` NuGet package at `pinnedBicepVersion` (a self-contained executable at
 * `tools/bicep`), restored with `dotnet restore` of a throwaway SDK project into the global packages folder.
 *
 * `npm run bicep` (run by `npm test` before the tests) makes sure a CLI is there and prints one line saying which.
 * Under CI=true a missing CLI is an error; elsewhere the compile tests are skipped with that line's advice.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const bicepPackageId = 'Azure.Bicep.CommandLine.linux-x64';
/** One of the versions the project's NuGet registry serves (0.47.16, 0.48.1, 0.49.2). */
export const pinnedBicepVersion = '0.49.2';

export const howToGetBicep =
  'install the .NET SDK (npm test then restores the pinned Bicep CLI from NuGet), or `az bicep install`, or set BICEP_CLI to a bicep executable';

export interface BicepCli {
  readonly path: string;
  /** Where it came from, for the one line `npm run bicep` prints. */
  readonly source: string;
}

export type Lookup = { readonly found: BicepCli } | { readonly missing: string };

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
  } catch {
    return false;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** NuGet extracts package files without keeping their mode on some systems; the CLI must be executable to run. */
function ensureExecutable(path: string): void {
  if (isExecutableFile(path)) return;
  chmodSync(path, 0o755);
}

function onPath(name: string): string | undefined {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function run(command: string, args: readonly string[], cwd?: string) {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    },
  });
}

function dotnetAvailable(): boolean {
  return run('dotnet', ['--version']).status === 0;
}

/** `dotnet nuget locals global-packages --list` answers `global-packages: /root/.nuget/packages/`. */
function globalPackagesFolder(): string | undefined {
  const fromEnvironment = process.env['NUGET_PACKAGES'];
  if (fromEnvironment) return fromEnvironment;
  const listed = run('dotnet', ['nuget', 'locals', 'global-packages', '--list']);
  if (listed.status !== 0) return undefined;
  const match = /global-packages:\s*(\S.*?)\s*$/m.exec(listed.stdout);
  return match?.[1];
}

function packagedCliPath(packagesFolder: string): string {
  // NuGet lays packages out as <lowercase id>/<version>/.
  return join(packagesFolder, bicepPackageId.toLowerCase(), pinnedBicepVersion, 'tools', 'bicep');
}

/** The default folder, without asking dotnet (which takes a second): what a restored CLI is found by. */
function defaultPackagesFolder(): string {
  return process.env['NUGET_PACKAGES'] ?? join(homedir(), '.nuget', 'packages');
}

/** A CLI that is already on this machine, restoring nothing. */
export function findBicepCli(): Lookup {
  const configured = process.env['BICEP_CLI'];
  if (configured) {
    return isExecutableFile(configured)
      ? { found: { path: configured, source: 'BICEP_CLI' } }
      : { missing: `BICEP_CLI=${configured} is not an executable file` };
  }
  const pathCli = onPath('bicep');
  if (pathCli) return { found: { path: pathCli, source: 'PATH' } };
  const azCli = join(homedir(), '.azure', 'bin', 'bicep');
  if (isExecutableFile(azCli)) return { found: { path: azCli, source: '~/.azure/bin (az bicep install)' } };
  const restored = packagedCliPath(defaultPackagesFolder());
  if (existsSync(restored)) {
    ensureExecutable(restored);
    return { found: { path: restored, source: `NuGet ${bicepPackageId} ${pinnedBicepVersion}` } };
  }
  return { missing: 'no Bicep CLI' };
}

/** The SDK's own target framework, so that restoring needs no other targeting pack. */
function sdkTargetFramework(): string {
  const version = run('dotnet', ['--version']).stdout.trim();
  const major = /^(\d+)\./.exec(version)?.[1] ?? '8';
  return `net${major}.0`;
}

export interface Restored extends BicepCli {
  readonly restoreSeconds: number;
}

/** Restores the pinned package with `dotnet restore` of a throwaway project; undefined when dotnet is missing. */
export function restoreBicepCli(): Restored | { readonly failed: string } | undefined {
  if (!dotnetAvailable()) return undefined;
  const project = mkdtempSync(join(tmpdir(), 'bicep-cli-restore-'));
  try {
    writeFileSync(
      join(project, 'bicep-cli.csproj'),
      [
        '<Project Sdk="Microsoft.NET.Sdk">',
        '  <PropertyGroup>',
        `    <TargetFramework>${sdkTargetFramework()}</TargetFramework>`,
        '  </PropertyGroup>',
        '  <ItemGroup>',
        `    <PackageReference Include="${bicepPackageId}" Version="${pinnedBicepVersion}" />`,
        '  </ItemGroup>',
        '</Project>',
        '',
      ].join('\n'),
    );
    const started = process.hrtime.bigint();
    const restore = run('dotnet', ['restore', '--nologo'], project);
    const restoreSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (restore.status !== 0) {
      return {
        failed: `dotnet restore of ${bicepPackageId} ${pinnedBicepVersion} failed:\n${restore.stdout}${restore.stderr}`,
      };
    }
    const folder = globalPackagesFolder();
    const path = folder === undefined ? undefined : packagedCliPath(folder);
    if (path === undefined || !existsSync(path)) {
      return {
        failed: `dotnet restore succeeded but ${bicepPackageId} has no tools/bicep under ${folder ?? '?'}`,
      };
    }
    ensureExecutable(path);
    return { path, source: `NuGet ${bicepPackageId} ${pinnedBicepVersion}, restored`, restoreSeconds };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/** Finds a CLI, restoring the pinned one when none is there. */
export function ensureBicepCli(): Lookup & { readonly restoreSeconds?: number } {
  const existing = findBicepCli();
  if ('found' in existing || process.env['BICEP_CLI']) return existing;
  const restored = restoreBicepCli();
  if (restored === undefined) return { missing: 'no Bicep CLI and no dotnet to restore one' };
  if ('failed' in restored) return { missing: restored.failed };
  return { found: restored, restoreSeconds: restored.restoreSeconds };
}

export function bicepVersion(cli: BicepCli): string {
  const result = run(cli.path, ['--version']);
  return result.status === 0 ? result.stdout.trim() : `unknown (${result.stderr.trim()})`;
}

export const isCi = (): boolean => process.env['CI'] === 'true';

if (require.main === module) {
  const lookup = ensureBicepCli();
  if ('found' in lookup) {
    const timing = lookup.restoreSeconds === undefined ? '' : ` in ${lookup.restoreSeconds.toFixed(1)} s`;
    process.stdout.write(
      `bicep: ${bicepVersion(lookup.found)} from ${lookup.found.source}${timing} (${lookup.found.path})\n`,
    );
  } else if (isCi()) {
    process.stderr.write(`bicep: ${lookup.missing}; CI=true needs one: ${howToGetBicep}\n`);
    process.exit(1);
  } else {
    process.stdout.write(
      `skipped: no Bicep CLI (${lookup.missing}); to compile the infra/ tests, ${howToGetBicep}\n`,
    );
  }
}
