// Which spec changes need new tasks. Tasks carry only the spec *version*
// they were made from, and every task of an older version is replaced by a
// rolling update. So the control API must bump specVersion only when the
// change alters what a task runs or where it may run; otherwise `service
// scale` would restart every replica. Changing replicas, the update or
// rollback config, the service's name or its labels does not; `service
// update --force` bumps the version regardless.
import type { ServiceSpec } from '../store/services.js';

/** The parts of a spec a task is made from. */
function taskRelevant(spec: ServiceSpec): unknown {
  return [spec.image, spec.command, spec.env, spec.mode, spec.placement, spec.resources, spec.restartPolicy, spec.healthCheck, spec.ports, spec.mounts];
}

/** True when tasks made from `before` would differ from tasks made from `after`. */
export function runsDifferently(before: ServiceSpec, after: ServiceSpec): boolean {
  return canonical(taskRelevant(before)) !== canonical(taskRelevant(after));
}

/** JSON with object keys sorted, so {a, b} and {b, a} compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
