// A lab of N hosts on one Linux machine: each host is a network namespace
// with one veth into a bridge that lives in its own "switch" namespace, so no
// lab traffic ever reaches the machine's real interfaces. Hosts get addresses
// in LAB_SUBNET (used only inside the lab) and a multicast route for mDNS.
//
// Processes run in a host with `nsenter --net=…`, which enters only the network
// namespace and keeps /sys/fs/cgroup visible (runc needs it; `ip netns exec`
// remounts /sys and hides it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LAB_SUBNET_PREFIX = '10.254.42';
export const LAB_PREFIX_LENGTH = 24;
export const LAB_HOSTS_MAX = 50;

export interface LabOptions {
  /** Short name, part of namespace names; one lab per name at a time. */
  name: string;
  hosts: number;
  /** Directory for per-host data dirs, sockets and logs. */
  stateDir?: string;
}

export interface LabHost {
  index: number;
  namespace: string;
  address: string;
  dataDir: string;
  controlSocket: string;
  logFile: string;
  runcRoot: string;
}

interface LabState {
  name: string;
  hosts: LabHost[];
  pids: Record<number, number>;
}

function run(command: string, args: string[], options: { allowFailure?: boolean } = {}): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (options.allowFailure) return '';
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

function existingNamespaces(): string[] {
  return run('ip', ['netns', 'list'], { allowFailure: true })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}

/** Containers the lab's edged processes started (each host has its own runc root under the state dir). */
function removeContainers(stateDir: string): void {
  if (!existsSync(stateDir)) return;
  for (const host of readdirSync(stateDir)) {
    const root = join(stateDir, host, 'runc', 'runtime');
    if (!existsSync(root)) continue;
    const ids = run('runc', ['--root', root, 'list', '-q'], { allowFailure: true }).split('\n').filter(Boolean);
    for (const id of ids) run('runc', ['--root', root, 'delete', '--force', id], { allowFailure: true });
  }
}

/** Overlay and bind mounts the image store left under the state dir, deepest first. */
function unmountUnder(stateDir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(`${stateDir}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) run('umount', ['-l', target], { allowFailure: true });
}

export class Lab {
  readonly name: string;
  readonly stateDir: string;
  readonly hosts: LabHost[];
  private readonly switchNamespace: string;
  private readonly children = new Map<number, ChildProcess>();

  private constructor(name: string, stateDir: string, hosts: LabHost[]) {
    this.name = name;
    this.stateDir = stateDir;
    this.hosts = hosts;
    this.switchNamespace = `${name}-sw`;
  }

  /** Creates the namespaces and bridge. Removes leftovers of an earlier lab of the same name first. */
  static create(options: LabOptions): Lab {
    if (!/^[a-z][a-z0-9]{0,7}$/.test(options.name)) throw new Error(`lab name "${options.name}" must be 1-8 lowercase letters/digits`);
    if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > LAB_HOSTS_MAX) {
      throw new Error(`a lab has 1 to ${LAB_HOSTS_MAX} hosts, got ${options.hosts}`);
    }
    const stateDir = options.stateDir ?? `/tmp/edgelab-${options.name}`;
    Lab.destroyByName(options.name, stateDir);
    mkdirSync(stateDir, { recursive: true });
    const hosts: LabHost[] = [];
    for (let index = 1; index <= options.hosts; index++) {
      const hostDir = join(stateDir, `host${index}`);
      mkdirSync(hostDir, { recursive: true });
      hosts.push({
        index,
        namespace: `${options.name}-h${index}`,
        address: `${LAB_SUBNET_PREFIX}.${10 + index}`,
        dataDir: join(hostDir, 'data'),
        controlSocket: join(hostDir, 'edged.sock'),
        logFile: join(hostDir, 'edged.log'),
        runcRoot: join(hostDir, 'runc'),
      });
    }
    const lab = new Lab(options.name, stateDir, hosts);
    try {
      lab.build();
    } catch (error) {
      lab.destroy();
      throw error;
    }
    lab.saveState();
    return lab;
  }

  private build(): void {
    const sw = this.switchNamespace;
    run('ip', ['netns', 'add', sw]);
    run('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    run('ip', ['-n', sw, 'link', 'set', 'lo', 'up']);
    for (const host of this.hosts) {
      const ns = host.namespace;
      run('ip', ['netns', 'add', ns]);
      // Both ends are created inside the switch namespace, then one end moves.
      run('ip', ['-n', sw, 'link', 'add', `p${host.index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run('ip', ['-n', sw, 'link', 'set', `p${host.index}`, 'master', 'br0', 'up']);
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'addr', 'add', `${host.address}/${LAB_PREFIX_LENGTH}`, 'dev', 'eth0']);
      run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up', 'multicast', 'on']);
      run('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
    }
  }

  host(index: number): LabHost {
    const host = this.hosts[index - 1];
    if (!host) throw new Error(`lab ${this.name} has no host ${index} (hosts are 1..${this.hosts.length})`);
    return host;
  }

  /** Runs a command inside host i's network namespace and returns its stdout. */
  exec(index: number, command: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): string {
    const host = this.host(index);
    return execFileSync('nsenter', [`--net=/var/run/netns/${host.namespace}`, command, ...args], {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 30_000,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Starts a long-lived process in host i; its output goes to the host's log file. */
  start(index: number, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
    const host = this.host(index);
    if (this.isRunning(index)) throw new Error(`host ${index} already runs pid ${this.pidOf(index)}`);
    const log = openSync(host.logFile, 'a');
    const child = spawn('nsenter', [`--net=/var/run/netns/${host.namespace}`, command, ...args], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...env },
    });
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command} in host ${index}`);
    this.children.set(index, child);
    const state = this.loadState();
    state.pids[index] = child.pid;
    this.writeState(state);
    return child.pid;
  }

  pidOf(index: number): number | undefined {
    return this.loadState().pids[index];
  }

  isRunning(index: number): boolean {
    const pid = this.pidOf(index);
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** kill -9 of host i's process (a power cut, as far as the process can tell). */
  kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const pid = this.pidOf(index);
    if (pid !== undefined) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    if (signal === 'SIGKILL') {
      const state = this.loadState();
      delete state.pids[index];
      this.writeState(state);
    }
  }

  /** Takes host i's link down at the switch: a partition of that host. */
  cut(index: number): void {
    run('ip', ['-n', this.switchNamespace, 'link', 'set', `p${index}`, 'down']);
  }

  restore(index: number): void {
    run('ip', ['-n', this.switchNamespace, 'link', 'set', `p${index}`, 'up']);
  }

  logs(index: number): string {
    const file = this.host(index).logFile;
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  destroy(): void {
    Lab.destroyByName(this.name, this.stateDir);
  }

  /** Kills the lab's processes and deletes its namespaces and state; safe to call twice. */
  static destroyByName(name: string, stateDir = `/tmp/edgelab-${name}`): void {
    const stateFile = join(stateDir, 'state.json');
    if (existsSync(stateFile)) {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as LabState;
      for (const pid of Object.values(state.pids)) {
        try {
          // nsenter's child is in the same process group: kill the group.
          process.kill(-pid, 'SIGKILL');
        } catch {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    }
    removeContainers(stateDir);
    for (const namespace of existingNamespaces()) {
      if (namespace === `${name}-sw` || namespace.startsWith(`${name}-h`)) {
        run('ip', ['netns', 'pids', namespace], { allowFailure: true })
          .split('\n')
          .filter(Boolean)
          .forEach((pid) => {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {
              // already gone
            }
          });
        run('ip', ['netns', 'delete', namespace], { allowFailure: true });
      }
    }
    unmountUnder(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }

  private saveState(): void {
    this.writeState({ name: this.name, hosts: this.hosts, pids: {} });
  }

  private loadState(): LabState {
    return JSON.parse(readFileSync(join(this.stateDir, 'state.json'), 'utf8')) as LabState;
  }

  private writeState(state: LabState): void {
    writeFileSync(join(this.stateDir, 'state.json'), JSON.stringify(state, null, 2));
  }

  /** Re-attaches to a lab created by another process (for `npm run lab -- down`). */
  static attach(name: string, stateDir = `/tmp/edgelab-${name}`): Lab {
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as LabState;
    return new Lab(state.name, stateDir, state.hosts);
  }
}
