// From a task's run spec to the executor's ContainerSpec, in two pure steps:
// checkRunSpec() at accept time refuses what this node can never run (so the
// task is "rejected" before any pull), and buildContainerSpec() at create
// time merges the spec with the pulled image's config.
import type { ContainerSpec, HealthCheckSpec } from '../containers/executor/index.js';
import type { ImageRuntimeConfig } from '../containers/image/index.js';
import type { RunSpec } from '../wire/messages/dispatcher.js';
import { TaskRejectedError } from './errors.js';

const MiB = 1024 * 1024;
/** The executor refuses less (the runtime's own setup does not fit below it). */
const memoryLimitBytesMin = 6 * MiB;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Docker's health check defaults, used where the spec leaves a field 0. */
export const healthDefaults = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3 } as const;

/** "tcp/80": the key a published port occupies on this node. */
export function portKey(port: RunSpec['ports'][number]): string {
  return `${port.protocol}/${port.published}`;
}

export interface RunSpecContext {
  /** portKey()s already published by other live tasks on this node. */
  portsInUse: ReadonlySet<string>;
  /** Whether named volumes can be resolved to host paths (a volume resolver was given). */
  volumesSupported: boolean;
}

/** Null when the node can run the spec; otherwise why not, as the task's rejection. */
export function checkRunSpec(spec: RunSpec, context: RunSpecContext): TaskRejectedError | null {
  return checkPorts(spec, context) ?? checkResources(spec) ?? checkEnv(spec) ?? checkMounts(spec, context);
}

/**
 * Host mode: the container shares the board's network, so the program must
 * listen on the published port itself. Remapping would need NAT (iptables),
 * which the agent does not do; such a task is refused with a clear fix.
 */
function checkPorts(spec: RunSpec, context: RunSpecContext): TaskRejectedError | null {
  for (const port of spec.ports) {
    if (port.published === 0 || port.target === 0) {
      return unsupported('a published port needs both the published and the target port set (1-65535)');
    }
    if (port.published !== port.target) {
      return new TaskRejectedError(
        'EDGE_AGENT_PORT_REMAP_UNSUPPORTED',
        `port ${port.published}→${port.target}/${port.protocol}: host-mode publishing cannot remap a port (no NAT on the board); ` +
          `publish ${port.target}:${port.target} or make the program listen on ${port.published}`,
      );
    }
    if (context.portsInUse.has(portKey(port))) {
      return new TaskRejectedError(
        'EDGE_AGENT_PORT_CONFLICT',
        `port ${port.published}/${port.protocol} is already published by another task on this node; in host mode one task per node can hold it`,
      );
    }
  }
  return null;
}

function checkResources(spec: RunSpec): TaskRejectedError | null {
  if (spec.memoryLimitBytes !== 0 && spec.memoryLimitBytes < memoryLimitBytesMin) {
    return unsupported(`memory limit ${spec.memoryLimitBytes} bytes is below the 6 MiB a container needs to start; raise it or set 0 for none`);
  }
  if (spec.cpuLimit !== 0 && !(Number.isFinite(spec.cpuLimit) && spec.cpuLimit >= 0.01 && spec.cpuLimit <= 1024)) {
    return unsupported(`cpu limit ${spec.cpuLimit} is not a number of cores between 0.01 and 1024 (0 for none)`);
  }
  return null;
}

function checkEnv(spec: RunSpec): TaskRejectedError | null {
  const bad = Object.keys(spec.env).find((name) => !envNamePattern.test(name));
  return bad === undefined ? null : unsupported(`environment variable name "${bad}" is not letters, digits and "_" starting with a letter or "_"`);
}

function checkMounts(spec: RunSpec, context: RunSpecContext): TaskRejectedError | null {
  for (const mount of spec.mounts) {
    if (mount.type === 'volume' && !context.volumesSupported) {
      return unsupported(`volume "${mount.source}" cannot be mounted: this agent has no volume driver; use a bind mount of a host directory`);
    }
    const paths = mount.type === 'bind' ? [mount.source, mount.target] : [mount.target];
    const bad = paths.find((path) => !path.startsWith('/') || path.split('/').includes('..'));
    if (bad !== undefined) return unsupported(`mount path "${bad}" must be absolute and without ".." components`);
  }
  return null;
}

function unsupported(problem: string): TaskRejectedError {
  return new TaskRejectedError('EDGE_AGENT_SPEC_UNSUPPORTED', problem);
}

export interface ContainerSpecInput {
  containerId: string;
  spec: RunSpec;
  rootfsPath: string;
  image: ImageRuntimeConfig;
  /** The image's user resolved to numbers (image-user.ts). */
  user: { uid: number; gid: number };
  /** Host path of each named volume in spec.mounts (type "volume"), by name. */
  volumePaths: ReadonlyMap<string, string>;
}

/** Throws TaskRejectedError when the image and the spec together give nothing to run. */
export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const { spec, image } = input;
  // The service's command replaces the image's entrypoint and cmd both (ServiceSpec.command).
  const args = spec.command.length > 0 ? [...spec.command] : [...image.entrypoint, ...image.cmd];
  if (args.length === 0) throw unsupported('the image has no entrypoint or cmd and the service gives no command');
  const container: ContainerSpec = {
    id: input.containerId,
    rootfsPath: input.rootfsPath,
    args,
    env: mergeEnv(image.env, spec.env),
    cwd: image.workingDir.startsWith('/') ? image.workingDir : `/${image.workingDir}`,
    user: input.user,
    // Published ports mean host mode: the program binds the board's own port.
    network: spec.ports.length > 0 ? 'host' : 'isolated',
    volumes: spec.mounts.map((mount) => ({
      source: mount.type === 'bind' ? mount.source : input.volumePaths.get(mount.source) ?? mount.source,
      target: mount.target,
      readOnly: mount.readOnly,
    })),
    resources: {
      ...(spec.memoryLimitBytes > 0 ? { memoryBytesMax: spec.memoryLimitBytes } : {}),
      ...(spec.cpuLimit > 0 ? { cpuCoresMax: spec.cpuLimit } : {}),
      ...(spec.pidsLimit > 0 ? { pidsMax: spec.pidsLimit } : {}),
    },
  };
  const healthCheck = healthCheckOf(spec);
  return healthCheck === null ? container : { ...container, healthCheck };
}

/** Image env first, in its order; the spec's values replace same-named entries, new names follow. */
export function mergeEnv(imageEnv: readonly string[], specEnv: Readonly<Record<string, string>>): string[] {
  const merged = new Map<string, string>();
  for (const entry of imageEnv) {
    const equals = entry.indexOf('=');
    if (equals > 0) merged.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  for (const [name, value] of Object.entries(specEnv)) merged.set(name, value);
  return [...merged].map(([name, value]) => `${name}=${value}`);
}

/** An empty command means no health check; zero fields take Docker's defaults. */
export function healthCheckOf(spec: RunSpec): HealthCheckSpec | null {
  const check = spec.healthCheck;
  if (check === undefined || check.command.length === 0) return null;
  return {
    command: [...check.command],
    intervalMs: check.intervalMs || healthDefaults.intervalMs,
    timeoutMs: check.timeoutMs || healthDefaults.timeoutMs,
    retries: check.retries || healthDefaults.retries,
    startPeriodMs: check.startPeriodMs,
  };
}
