/**
 * validateServiceSpec: the one gate every spec passes, whether it came from
 * a stack file, from `service create|update` flags, or over the wire to the
 * manager. It checks shape (the value may not even be an object), bounds and
 * the rules that tie fields together, and returns every problem as a
 * sentence naming the field; an empty list means the spec is acceptable.
 */
import type { ServiceSpec } from '../store/services.js';
import { FieldChecker, type SpecFieldProblem } from './field-checker.js';
import { checkImageReference } from './image.js';
import {
  cpuLimitMax, cpuLimitMin, durationMsMax, healthIntervalMsMin, healthRetriesMax, memoryBytesMax, memoryBytesMin, pidsLimitMax, replicasMax, restartAttemptsMax,
} from './limits.js';
import { formatBytes } from './memory.js';
import { checkServiceName } from './names.js';
import { isJobMode, serviceModes } from './service-defaults.js';
import { checkCommand, checkEnv, checkLabels, checkMounts, checkPlacement, checkPorts } from './validate-lists.js';

const specKeys = ['name', 'image', 'command', 'env', 'mode', 'replicas', 'placement', 'resources', 'restartPolicy', 'update', 'rollback', 'healthCheck', 'ports', 'mounts', 'labels'] as const;
const resourcesKeys = ['memoryReservationBytes', 'memoryLimitBytes', 'cpuLimit', 'pidsLimit'];
const restartKeys = ['condition', 'delayMs', 'maxAttempts', 'windowMs'];
const updateKeys = ['parallelism', 'delayMs', 'monitorMs', 'failureAction', 'maxFailureRatio', 'order'];
const healthKeys = ['command', 'intervalMs', 'timeoutMs', 'retries', 'startPeriodMs'];

/** Every problem with `spec`, each a sentence starting with the field; empty when the spec is fine. */
export function validateServiceSpec(spec: ServiceSpec): string[] {
  return checkServiceSpec(spec).map((problem) => problem.message);
}

/** The same checks, with a stable code per problem (for callers that map problems to files or flags). */
export function checkServiceSpec(spec: unknown): SpecFieldProblem[] {
  const check = new FieldChecker();
  const fields = check.object(spec, 'spec', specKeys);
  if (fields === null) return check.problems;
  if (check.string(fields.name, 'name')) check.parsed('name', () => checkServiceName(fields.name as string));
  if (check.string(fields.image, 'image')) check.parsed('image', () => checkImageReference(fields.image as string));
  checkCommand(check, fields.command, 'command');
  checkEnv(check, fields.env);
  checkLabels(check, fields.labels);
  const modeValid = check.choice(fields.mode, 'mode', serviceModes);
  check.integer(fields.replicas, 'replicas', 0, replicasMax);
  checkPlacement(check, fields.placement);
  checkResources(check, fields.resources);
  checkRestartPolicy(check, fields.restartPolicy, modeValid ? (fields.mode as ServiceSpec['mode']) : null);
  checkUpdateConfig(check, fields.update, 'update', ['continue', 'pause', 'rollback']);
  // Rolling back a failed rollback has nothing to go back to.
  checkUpdateConfig(check, fields.rollback, 'rollback', ['continue', 'pause']);
  checkHealthCheck(check, fields.healthCheck);
  checkPorts(check, fields.ports);
  checkMounts(check, fields.mounts);
  checkPortsPerNode(check, fields);
  return check.problems;
}

/**
 * Published ports are bound on the node itself (host mode), so two tasks of
 * one service on one node would fight over them. Allowing several per node
 * while publishing is a contradiction; 0 (no cap) leaves it to the scheduler.
 */
function checkPortsPerNode(check: FieldChecker, fields: Record<string, unknown>): void {
  const perNode = (fields.placement as { maxReplicasPerNode?: unknown } | null | undefined)?.maxReplicasPerNode;
  if (!Array.isArray(fields.ports) || fields.ports.length === 0 || typeof perNode !== 'number' || perNode <= 1) return;
  check.add('EDGE_SPEC_BAD_VALUE', 'placement.maxReplicasPerNode', `is ${perNode}, but the service publishes ports on the node, which only one task per node can bind; set it to 1`);
}

function checkResources(check: FieldChecker, value: unknown): void {
  const resources = check.object(value, 'resources', resourcesKeys);
  if (resources === null) return;
  const reservation = checkMemory(check, resources.memoryReservationBytes, 'resources.memoryReservationBytes');
  const limit = checkMemory(check, resources.memoryLimitBytes, 'resources.memoryLimitBytes');
  if (reservation > 0 && limit > 0 && reservation > limit) {
    check.add('EDGE_SPEC_BAD_VALUE', 'resources.memoryReservationBytes', `(${formatBytes(reservation)}) is more than the memory limit (${formatBytes(limit)}); a task could never use what is reserved for it`);
  }
  const cpu = resources.cpuLimit;
  if (cpu !== 0) check.number(cpu, 'resources.cpuLimit', cpuLimitMin, cpuLimitMax);
  check.integer(resources.pidsLimit, 'resources.pidsLimit', 0, pidsLimitMax);
}

/** 0 (none) or a size within bounds; returns the bytes when valid, else 0. */
function checkMemory(check: FieldChecker, value: unknown, field: string): number {
  if (value === 0) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= memoryBytesMin && value <= memoryBytesMax) return value;
  check.add('EDGE_SPEC_BAD_MEMORY', field, `must be 0 (none) or a whole number of bytes from ${formatBytes(memoryBytesMin)} to ${formatBytes(memoryBytesMax)}`);
  return 0;
}

function checkRestartPolicy(check: FieldChecker, value: unknown, mode: ServiceSpec['mode'] | null): void {
  const policy = check.object(value, 'restartPolicy', restartKeys);
  if (policy === null) return;
  if (check.choice(policy.condition, 'restartPolicy.condition', ['none', 'on-failure', 'any']) && policy.condition === 'any' && mode !== null && isJobMode(mode)) {
    check.add('EDGE_SPEC_BAD_VALUE', 'restartPolicy.condition', `is any, but a ${mode} restarting after success would never complete; use on-failure or none`);
  }
  checkDuration(check, policy.delayMs, 'restartPolicy.delayMs', 0);
  checkDuration(check, policy.windowMs, 'restartPolicy.windowMs', 0);
  check.integer(policy.maxAttempts, 'restartPolicy.maxAttempts', 0, restartAttemptsMax);
}

function checkUpdateConfig(check: FieldChecker, value: unknown, field: string, failureActions: readonly string[]): void {
  const config = check.object(value, field, updateKeys);
  if (config === null) return;
  check.integer(config.parallelism, `${field}.parallelism`, 0, replicasMax);
  checkDuration(check, config.delayMs, `${field}.delayMs`, 0);
  checkDuration(check, config.monitorMs, `${field}.monitorMs`, 0);
  check.choice(config.failureAction, `${field}.failureAction`, failureActions);
  check.number(config.maxFailureRatio, `${field}.maxFailureRatio`, 0, 1);
  check.choice(config.order, `${field}.order`, ['stop-first', 'start-first']);
}

function checkHealthCheck(check: FieldChecker, value: unknown): void {
  if (value === null) return;
  const health = check.object(value, 'healthCheck', healthKeys);
  if (health === null) return;
  const command = checkCommand(check, health.command, 'healthCheck.command');
  if (command !== null && command.length === 0) check.add('EDGE_SPEC_BAD_VALUE', 'healthCheck.command', 'is empty; name the program to run (or set healthCheck to null for no check)');
  checkDuration(check, health.intervalMs, 'healthCheck.intervalMs', healthIntervalMsMin);
  checkDuration(check, health.timeoutMs, 'healthCheck.timeoutMs', 1);
  checkDuration(check, health.startPeriodMs, 'healthCheck.startPeriodMs', 0);
  check.integer(health.retries, 'healthCheck.retries', 1, healthRetriesMax);
}

function checkDuration(check: FieldChecker, value: unknown, field: string, minMs: number): void {
  check.integer(value, field, minMs, durationMsMax, ' ms');
}
