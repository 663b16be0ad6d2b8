// Helpers for the executor's end-to-end tests: a busybox rootfs built from
// Debian's busybox-static, and a Sandbox that gives each test its own data
// dir, runtime state root and cgroup parent, and removes all of it afterwards
// (containers killed and deleted, shims killed, cgroups rmdir'ed) whether the
// test passed or not.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, rmdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupLayout } from '../../../runtime/containers/executor/cgroups.js';
import type { ExecutorConfig } from '../../../runtime/containers/executor/config.js';
import type { ContainerSpec } from '../../../runtime/containers/executor/types.js';
import { hasCommand, needsCommands, needsRoot } from '../../common/env.js';

export const busyboxPath = '/bin/busybox';

/** True when this host can run the end-to-end tests (root, runc, busybox-static); in CI, throws otherwise. */
export function canRunContainers(): boolean {
  return needsRoot() && needsCommands('runc', 'busybox');
}

/** Copies busybox into `dir` and links every applet in /bin, plus the mountpoints a read-only rootfs needs. */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  for (const sub of ['proc', 'sys', 'dev', 'tmp', 'etc', 'root']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(busyboxPath, join(dir, 'bin', 'busybox'));
  const applets = execFileSync(busyboxPath, ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => name !== '' && name !== 'busybox');
  await Promise.all(applets.map((name) => symlink('busybox', join(dir, 'bin', name))));
  return dir;
}

export class Sandbox {
  readonly dataDir: string;
  readonly runtimeRoot: string;
  readonly rootfs: string;
  readonly cgroupParent: string;
  private readonly prefix = randomBytes(3).toString('hex');
  private counter = 0;

  private constructor(readonly root: string) {
    this.dataDir = join(root, 'data');
    this.runtimeRoot = join(root, 'runtime');
    this.rootfs = join(root, 'rootfs');
    this.cgroupParent = `edgectl-test-${this.prefix}`;
  }

  static async create(name: string): Promise<Sandbox> {
    const sandbox = new Sandbox(await mkdtemp(join(tmpdir(), `edgectl-${name}-`)));
    await makeBusyboxRootfs(sandbox.rootfs);
    return sandbox;
  }

  /** A container id unique to this sandbox run. */
  id(label: string): string {
    this.counter += 1;
    return `${label}-${this.prefix}-${this.counter}`;
  }

  config(overrides: Partial<ExecutorConfig> = {}): ExecutorConfig {
    return { dataDir: this.dataDir, runtimeRoot: this.runtimeRoot, cgroupParent: this.cgroupParent, exitPollMs: 200, ...overrides };
  }

  /** A spec running `script` under busybox sh in this sandbox's rootfs. */
  shellSpec(id: string, script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
    return { id, rootfsPath: this.rootfs, args: ['sh', '-c', script], ...extra };
  }

  /** A private writable copy of the rootfs (for tests that write to /). */
  async privateRootfs(label: string): Promise<string> {
    return makeBusyboxRootfs(join(this.root, `rootfs-${label}`));
  }

  async cleanup(): Promise<void> {
    await this.killShims();
    if (hasCommand('runc')) {
      const listed = runcQuiet(['--root', this.runtimeRoot, 'list', '-q']);
      for (const id of listed.split('\n').filter((line) => line !== '')) {
        runcQuiet(['--root', this.runtimeRoot, 'kill', id, 'KILL']);
        runcQuiet(['--root', this.runtimeRoot, 'delete', '--force', id]);
      }
    }
    const layout = await readCgroupLayout();
    const mounts = layout.version === 2 ? [layout.unifiedMount ?? '/sys/fs/cgroup'] : layout.hierarchyMounts;
    for (const mount of mounts) await removeTree(join(mount, this.cgroupParent));
    await rm(this.root, { recursive: true, force: true });
  }

  private async killShims(): Promise<void> {
    const containers = join(this.dataDir, 'containers');
    const ids = await readdir(containers).catch(() => [] as string[]);
    for (const id of ids) {
      const pid = Number((await readFile(join(containers, id, 'status', 'shim.pid'), 'utf8').catch(() => '')).trim());
      const cmdline = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
      if (cmdline.includes(this.root)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
  }
}

function runcQuiet(args: string[]): string {
  try {
    return execFileSync('runc', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** rmdir a cgroup tree deepest first (cgroup dirs cannot be removed recursively). */
async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
  if (entries === null) return;
  for (const entry of entries) if (entry.isDirectory()) await removeTree(join(dir, entry.name));
  await rmdir(dir).catch(() => undefined);
}

/** Runs `body` with a fresh sandbox and always cleans it up. */
export async function withSandbox(name: string, body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const sandbox = await Sandbox.create(name);
  try {
    await body(sandbox);
  } finally {
    await sandbox.cleanup();
  }
}

/** Collects an async iterable into an array (bounded by `max` items, a guard against runaway follows). */
export async function collect<T>(iterable: AsyncIterable<T>, max = 1_000_000): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length >= max) break;
  }
  return items;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
