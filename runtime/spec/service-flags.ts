/**
 * The flags `service create` and `service update` share (resources, restart,
 * rollout, health), with Docker's names and value syntax. Each setter parses
 * one value and changes one field; settings that depend on each other (the
 * health check, replicas of a global service) are settled in finishFlags,
 * after every flag is read, so flag order never matters.
 */
import type { FailureAction, HealthCheck, RestartCondition, ServiceSpec, UpdateConfig, UpdateOrder } from '../store/services.js';
import { SpecError } from './errors.js';
import type { FlagDefinition, FlagUse } from './flag-reader.js';
import { flagLocation } from './flag-reader.js';
import { cpuLimitMax, cpuLimitMin, healthIntervalMsMin, healthRetriesMax, pidsLimitMax, replicasMax, restartAttemptsMax } from './limits.js';
import { parseDurationMs } from './duration.js';
import { parseMemoryBytes } from './memory.js';
import { attempt, type ProblemList, type ProblemLocation } from './problem-list.js';
import { healthCheckDefaults, isGlobalMode, isJobMode, shellHealthCommand } from './service-defaults.js';

/** Health settings wait here until every flag is read. */
export interface HealthFlags {
  command: string[] | null;
  intervalMs: number | null;
  timeoutMs: number | null;
  retries: number | null;
  startPeriodMs: number | null;
  disabled: boolean;
}

export interface FlagState {
  spec: ServiceSpec;
  health: HealthFlags;
  /** Where --replicas was given, to name it if the mode turns out global. */
  replicasAt: ProblemLocation | null;
}

export type FlagSetter = (state: FlagState, value: string, use: FlagUse) => void;

export function newFlagState(spec: ServiceSpec): FlagState {
  return { spec, health: { command: null, intervalMs: null, timeoutMs: null, retries: null, startPeriodMs: null, disabled: false }, replicasAt: null };
}

export function parseWholeNumber(text: string, min: number, max: number): number {
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= min && value <= max)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `"${clip(text)}" is not a whole number from ${min} to ${max}`);
  return value;
}

export function parseDecimal(text: string, min: number, max: number): number {
  const value = /^\d{1,15}(\.\d{1,15})?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= min && value <= max)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `"${clip(text)}" is not a number from ${min} to ${max}`);
  return value;
}

export function parseChoice<T extends string>(text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new SpecError('EDGE_SPEC_BAD_VALUE', `"${clip(text)}" is not one of ${choices.join(', ')}`);
}

function durationAtLeast(text: string, minMs: number): number {
  const ms = parseDurationMs(text);
  if (ms < minMs) throw new SpecError('EDGE_SPEC_BAD_DURATION', `${text} is shorter than the minimum ${minMs} ms`);
  return ms;
}

function rolloutSetters(prefix: 'update' | 'rollback', pick: (spec: ServiceSpec) => UpdateConfig): Record<string, FlagSetter> {
  // A failed rollback has nothing to roll back to, so Docker offers only pause and continue there.
  const actions: readonly FailureAction[] = prefix === 'update' ? ['pause', 'continue', 'rollback'] : ['pause', 'continue'];
  const orders: readonly UpdateOrder[] = ['stop-first', 'start-first'];
  return {
    [`${prefix}-parallelism`]: (state, value) => (pick(state.spec).parallelism = parseWholeNumber(value, 0, replicasMax)),
    [`${prefix}-delay`]: (state, value) => (pick(state.spec).delayMs = parseDurationMs(value)),
    [`${prefix}-monitor`]: (state, value) => (pick(state.spec).monitorMs = parseDurationMs(value)),
    [`${prefix}-failure-action`]: (state, value) => (pick(state.spec).failureAction = parseChoice(value, actions)),
    [`${prefix}-max-failure-ratio`]: (state, value) => (pick(state.spec).maxFailureRatio = parseDecimal(value, 0, 1)),
    [`${prefix}-order`]: (state, value) => (pick(state.spec).order = parseChoice(value, orders)),
  };
}

const restartConditions: readonly RestartCondition[] = ['none', 'on-failure', 'any'];

/** Setters of the flags both commands take, keyed by long name. */
export const sharedFlagSetters: Readonly<Record<string, FlagSetter>> = {
  replicas: (state, value, use) => {
    state.spec.replicas = parseWholeNumber(value, 0, replicasMax);
    state.replicasAt = flagLocation(use.index);
  },
  'max-replicas-per-node': (state, value) => (state.spec.placement.maxReplicasPerNode = parseWholeNumber(value, 0, replicasMax)),
  'reserve-memory': (state, value) => (state.spec.resources.memoryReservationBytes = parseMemoryBytes(value)),
  'limit-memory': (state, value) => (state.spec.resources.memoryLimitBytes = parseMemoryBytes(value)),
  'limit-cpu': (state, value) => (state.spec.resources.cpuLimit = value.trim() === '0' ? 0 : parseDecimal(value, cpuLimitMin, cpuLimitMax)),
  'limit-pids': (state, value) => (state.spec.resources.pidsLimit = parseWholeNumber(value, 0, pidsLimitMax)),
  'restart-condition': (state, value) => (state.spec.restartPolicy.condition = parseChoice(value, restartConditions)),
  'restart-delay': (state, value) => (state.spec.restartPolicy.delayMs = parseDurationMs(value)),
  'restart-max-attempts': (state, value) => (state.spec.restartPolicy.maxAttempts = parseWholeNumber(value, 0, restartAttemptsMax)),
  'restart-window': (state, value) => (state.spec.restartPolicy.windowMs = parseDurationMs(value)),
  ...rolloutSetters('update', (spec) => spec.update),
  ...rolloutSetters('rollback', (spec) => spec.rollback),
  // Docker runs --health-cmd with the image's shell (CMD-SHELL).
  'health-cmd': (state, value) => (state.health.command = shellHealthCommand(value)),
  'health-interval': (state, value) => (state.health.intervalMs = durationAtLeast(value, healthIntervalMsMin)),
  'health-timeout': (state, value) => (state.health.timeoutMs = durationAtLeast(value, 1)),
  'health-retries': (state, value) => (state.health.retries = parseWholeNumber(value, 1, healthRetriesMax)),
  'health-start-period': (state, value) => (state.health.startPeriodMs = parseDurationMs(value)),
  'no-healthcheck': (state) => (state.health.disabled = true),
};

export const sharedFlagDefinitions: readonly FlagDefinition[] = Object.keys(sharedFlagSetters).map((name) => ({
  name,
  takesValue: name !== 'no-healthcheck',
  repeatable: false,
}));

/** Docker flags neither command supports, with why. */
export const sharedUnsupportedFlags: Readonly<Record<string, string>> = {
  entrypoint: "the spec has one command that replaces the image's entrypoint and cmd together; give the full command after IMAGE",
  network: 'edgectl has no overlay networks; publish ports in host mode',
  'network-add': 'edgectl has no overlay networks',
  'endpoint-mode': 'there is no virtual IP or DNS round robin',
  secret: 'secrets are not stored by edgectl yet',
  config: 'configs are not stored by edgectl yet',
  'reserve-cpu': 'the scheduler reserves memory only; use --limit-cpu',
  'container-label': 'a service has one set of labels in edgectl; use --label',
  'env-file': 'edgectl does not read files for a spec; give each variable with --env',
  hostname: 'tasks get their hostname from edgectl',
  user: 'the image decides the user',
  workdir: 'the image decides the working directory',
  'stop-grace-period': 'the spec has no stop timeout yet',
  'stop-signal': 'the spec has no stop signal yet',
  'read-only': 'the spec has no read-only root filesystem setting yet',
  'health-start-interval': 'probes run at --health-interval from the start',
  'cap-add': 'capabilities cannot be changed',
  'cap-drop': 'capabilities cannot be changed',
  sysctl: 'sysctls cannot be set',
  ulimit: 'ulimits cannot be set; --limit-pids limits processes',
  dns: 'edgectl has no service DNS',
  host: 'edgectl has no service DNS',
  'log-driver': 'edged keeps task logs itself',
  'log-opt': 'edged keeps task logs itself',
  tty: 'tasks have no terminal',
  init: 'the image decides its init process',
};

/** The unsupported flags above that take no value. */
export const sharedUnsupportedSwitches: readonly string[] = ['read-only', 'tty', 'init'];

/** Runs each use's setter; a refused value becomes a problem at that argument. */
export function applyFlagUses(uses: readonly FlagUse[], setters: Readonly<Record<string, FlagSetter>>, state: FlagState, problems: ProblemList): void {
  for (const use of uses) {
    const setter = setters[use.name];
    if (setter === undefined) continue;
    attempt(problems, flagLocation(use.index), `--${use.name}`, () => setter(state, use.value, use));
  }
}

/**
 * Settles what depends on several flags. `baseHealth` is the check to adjust
 * when only timings are given (the current one for update; none for create,
 * since edgectl does not take health checks from images).
 */
export function finishFlags(state: FlagState, baseHealth: HealthCheck | null, problems: ProblemList): void {
  const { spec, health } = state;
  if (state.replicasAt !== null && isGlobalMode(spec.mode)) {
    problems.add({ code: 'EDGE_SPEC_BAD_VALUE', ...state.replicasAt, path: '--replicas', message: `--replicas is given but the mode is ${spec.mode}, which runs one task per node; drop --replicas` });
  }
  if (isJobMode(spec.mode) && spec.restartPolicy.condition === 'any') {
    problems.add({ code: 'EDGE_SPEC_BAD_VALUE', where: null, line: null, path: '--restart-condition', message: `--restart-condition any would restart a ${spec.mode} after success, so it never completes; use on-failure or none` });
  }
  const timings = health.intervalMs !== null || health.timeoutMs !== null || health.retries !== null || health.startPeriodMs !== null;
  if (health.disabled) {
    if (health.command !== null || timings) {
      problems.add({ code: 'EDGE_SPEC_BAD_VALUE', where: null, line: null, path: '--no-healthcheck', message: '--no-healthcheck is given with --health-* flags; give one or the other' });
    }
    spec.healthCheck = null;
    return;
  }
  if (health.command === null && !timings) return;
  const base = health.command === null ? baseHealth : (baseHealth ?? { command: health.command, ...healthCheckDefaults });
  if (base === null) {
    problems.add({ code: 'EDGE_SPEC_MISSING_ARGUMENT', where: null, line: null, path: '--health-cmd', message: '--health-interval, --health-timeout, --health-retries and --health-start-period need --health-cmd: edgectl does not take health checks from images' });
    return;
  }
  spec.healthCheck = {
    command: health.command ?? base.command,
    intervalMs: health.intervalMs ?? base.intervalMs,
    timeoutMs: health.timeoutMs ?? base.timeoutMs,
    retries: health.retries ?? base.retries,
    startPeriodMs: health.startPeriodMs ?? base.startPeriodMs,
  };
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
