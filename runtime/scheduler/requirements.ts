// What a service spec asks of a node, checked and compiled once per spec
// rather than once per task or per node. A spec the scheduler cannot
// evaluate yields a SchedulerError, which schedule() turns into a pending
// reason and the control API (validatePlacement) turns into a refusal.
import type { ServiceSpec } from '../store/services.js';
import { compileConstraint, formatConstraint, type CompiledConstraint } from './constraint.js';
import { SchedulerError, SchedulerErrorCode } from './errors.js';
import { nodeFieldReader, normalizeArch, type NodeFieldReader } from './node-field.js';

/** Constraints per service: each is evaluated on every node, so they are bounded. */
export const constraintsPerServiceMax = 32;
/** Levels of spread: each adds a comparison per node and per decision. */
export const spreadLevelsMax = 4;

export interface SpreadFields {
  /** Joined field names; equal keys share one group index within a call. */
  readonly key: string;
  readonly fields: readonly string[];
  readonly readers: readonly NodeFieldReader[];
}

export interface Requirements {
  readonly constraints: readonly CompiledConstraint[];
  /** Normalized architectures the image runs on; null when any will do. */
  readonly archs: ReadonlySet<string> | null;
  readonly spread: SpreadFields;
  readonly memoryReservationBytes: number;
  /** "80/tcp" for each fixed host port the task publishes (published 0 claims none). */
  readonly portKeys: readonly string[];
  /** 0 = unlimited. */
  readonly replicasPerNodeMax: number;
  /** Equal for two specs whose node-independent filters (platform, constraints) give equal answers. */
  readonly staticKey: string;
}

function invalidPlacement(message: string, field: string): SchedulerError {
  return new SchedulerError(SchedulerErrorCode.PlacementInvalid, message, field);
}

function compileSpread(fields: readonly string[]): SpreadFields | SchedulerError {
  if (fields.length > spreadLevelsMax) {
    return new SchedulerError(SchedulerErrorCode.SpreadInvalid, `placement.spreadOver has ${fields.length} entries; at most ${spreadLevelsMax} are allowed`, 'placement.spreadOver');
  }
  const readers: NodeFieldReader[] = [];
  for (const [index, field] of fields.entries()) {
    const reader = nodeFieldReader(field);
    if (typeof reader === 'string') return new SchedulerError(SchedulerErrorCode.SpreadInvalid, `spread over ${JSON.stringify(field)}: ${reader}`, `placement.spreadOver[${index}]`);
    readers.push(reader);
  }
  return { key: fields.join('\n'), fields, readers };
}

function compilePorts(spec: ServiceSpec): string[] | SchedulerError {
  const keys: string[] = [];
  for (const [index, port] of spec.ports.entries()) {
    const field = `ports[${index}]`;
    if (!Number.isInteger(port.published) || port.published < 0 || port.published > 65_535) {
      return invalidPlacement(`published port ${String(port.published)} is not a port number: use 1-65535, or 0 for none`, field);
    }
    if (port.protocol !== 'tcp' && port.protocol !== 'udp') return invalidPlacement(`port protocol ${JSON.stringify(port.protocol)} is not tcp or udp`, field);
    if (port.published === 0) continue;
    const key = `${port.published}/${port.protocol}`;
    // A task that claims the same host port twice could never start anywhere.
    if (keys.includes(key)) return invalidPlacement(`port ${key} is published twice: publish each host port once`, field);
    keys.push(key);
  }
  return keys;
}

function compileNumbers(spec: ServiceSpec): SchedulerError | null {
  const memory = spec.resources.memoryReservationBytes;
  if (!Number.isSafeInteger(memory) || memory < 0) return invalidPlacement(`memory reservation ${String(memory)} is not a whole number of bytes ≥ 0`, 'resources.memoryReservationBytes');
  const perNode = spec.placement.maxReplicasPerNode;
  if (!Number.isSafeInteger(perNode) || perNode < 0) return invalidPlacement(`maxReplicasPerNode ${String(perNode)} is not a whole number ≥ 0 (0 = unlimited)`, 'placement.maxReplicasPerNode');
  return null;
}

/** Checks and compiles what `spec` (and the image's architectures) ask of a node. */
export function compileRequirements(spec: ServiceSpec, imageArchs: readonly string[] | undefined): Requirements | SchedulerError {
  const numbers = compileNumbers(spec);
  if (numbers !== null) return numbers;
  const { constraints: sources } = spec.placement;
  if (sources.length > constraintsPerServiceMax) {
    return new SchedulerError(SchedulerErrorCode.ConstraintInvalid, `${sources.length} placement constraints; at most ${constraintsPerServiceMax} are allowed`, 'placement.constraints');
  }
  const constraints: CompiledConstraint[] = [];
  for (const [index, source] of sources.entries()) {
    const compiled = compileConstraint(source, `placement.constraints[${index}]`);
    if (compiled instanceof SchedulerError) return compiled;
    constraints.push(compiled);
  }
  const spread = compileSpread(spec.placement.spreadOver);
  if (spread instanceof SchedulerError) return spread;
  const portKeys = compilePorts(spec);
  if (portKeys instanceof SchedulerError) return portKeys;
  const archList = imageArchs === undefined || imageArchs.length === 0 ? null : [...new Set(imageArchs.map(normalizeArch))].sort();
  return {
    constraints,
    archs: archList === null ? null : new Set(archList),
    spread,
    memoryReservationBytes: spec.resources.memoryReservationBytes,
    portKeys,
    replicasPerNodeMax: spec.placement.maxReplicasPerNode,
    staticKey: `${sources.map(formatConstraint).join('\n')}\u0000${archList?.join(',') ?? '*'}`,
  };
}

/**
 * For the control API, when a spec arrives: throws the first problem as a
 * SchedulerError, so `service create` is refused instead of leaving tasks
 * pending forever.
 */
export function validatePlacement(spec: ServiceSpec): void {
  const compiled = compileRequirements(spec, undefined);
  if (compiled instanceof SchedulerError) throw compiled;
}

/**
 * Compiles each spec once per call. Keyed by object identity: tasks of one
 * service usually share their spec object; when they do not, the cost is a
 * second compile, never a wrong answer.
 */
export class RequirementsCache {
  private readonly entries = new Map<ServiceSpec, { imageArchs: readonly string[] | undefined; compiled: Requirements | SchedulerError }>();

  get(spec: ServiceSpec, imageArchs: readonly string[] | undefined): Requirements | SchedulerError {
    const entry = this.entries.get(spec);
    if (entry !== undefined && entry.imageArchs === imageArchs) return entry.compiled;
    const compiled = compileRequirements(spec, imageArchs);
    this.entries.set(spec, { imageArchs, compiled });
    return compiled;
  }
}
