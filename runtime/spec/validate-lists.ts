/**
 * The list- and map-shaped parts of validateServiceSpec: command, env,
 * labels, placement, ports and mounts. Each entry is checked with the same
 * value parsers the stack file and flags use, so all three paths agree on
 * what is valid.
 */
import { checkConstraintField, parseConstraint, parseSpreadTarget } from './constraint.js';
import type { FieldChecker } from './field-checker.js';
import { checkEnvName, checkEnvValue, checkLabelKey, checkLabelValue } from './key-value.js';
import {
  commandArgsCountMax, commandBytesMax, constraintsCountMax, envBytesMax, envCountMax, labelsCountMax, mountsCountMax, portsCountMax, replicasMax, spreadCountMax,
} from './limits.js';
import { checkAbsolutePath, checkVolumeName } from './mounts.js';
import { publishedKey } from './ports.js';

export function checkCommand(check: FieldChecker, value: unknown, field: string): string[] | null {
  const argv = check.array(value, field, commandArgsCountMax);
  if (argv === null) return null;
  let bytes = 0;
  for (const [index, arg] of argv.entries()) {
    if (!check.string(arg, `${field}[${index}]`)) return null;
    bytes += Buffer.byteLength(arg) + 1;
  }
  if (bytes > commandBytesMax) check.add('EDGE_SPEC_TOO_LARGE', field, `is ${bytes} bytes long; at most ${commandBytesMax} are allowed`);
  return argv as string[];
}

export function checkEnv(check: FieldChecker, value: unknown): void {
  const entries = check.record(value, 'env', envCountMax);
  if (entries === null) return;
  let bytes = 0;
  for (const [name, text] of entries) {
    const field = `env.${name}`;
    check.parsed(field, () => checkEnvName(name));
    if (check.string(text, field)) check.parsed(field, () => checkEnvValue(name, text));
    bytes += Buffer.byteLength(name) + 1 + (typeof text === 'string' ? Buffer.byteLength(text) : 0);
  }
  if (bytes > envBytesMax) check.add('EDGE_SPEC_TOO_LARGE', 'env', `is ${bytes} bytes in all; at most ${envBytesMax} are allowed`);
}

export function checkLabels(check: FieldChecker, value: unknown): void {
  const entries = check.record(value, 'labels', labelsCountMax);
  for (const [key, text] of entries ?? []) {
    const field = `labels[${JSON.stringify(key)}]`;
    check.parsed(field, () => checkLabelKey(key));
    if (check.string(text, field)) check.parsed(field, () => checkLabelValue(key, text));
  }
}

export function checkPlacement(check: FieldChecker, value: unknown): void {
  const placement = check.object(value, 'placement', ['constraints', 'spreadOver', 'maxReplicasPerNode']);
  if (placement === null) return;
  const constraints = check.array(placement.constraints, 'placement.constraints', constraintsCountMax);
  for (const [index, item] of (constraints ?? []).entries()) {
    const field = `placement.constraints[${index}]`;
    const constraint = check.object(item, field, ['field', 'operator', 'value']);
    if (constraint === null) continue;
    if (!check.string(constraint.field, `${field}.field`) || !check.string(constraint.value, `${field}.value`)) continue;
    if (!check.choice(constraint.operator, `${field}.operator`, ['==', '!='])) continue;
    const { field: name, operator, value: expected } = constraint;
    check.parsed(field, () => {
      checkConstraintField(name);
      // Re-reading the text form catches values a person could not have typed (spaces, empty).
      const reparsed = parseConstraint(`${name}${operator}${expected}`);
      if (reparsed.value !== expected) check.add('EDGE_SPEC_BAD_CONSTRAINT', field, 'has a value with surrounding spaces');
    });
  }
  const spread = check.array(placement.spreadOver, 'placement.spreadOver', spreadCountMax);
  for (const [index, target] of (spread ?? []).entries()) {
    const field = `placement.spreadOver[${index}]`;
    if (check.string(target, field)) check.parsed(field, () => parseSpreadTarget(target));
  }
  check.integer(placement.maxReplicasPerNode, 'placement.maxReplicasPerNode', 0, replicasMax);
}

export function checkPorts(check: FieldChecker, value: unknown): void {
  const ports = check.array(value, 'ports', portsCountMax);
  const seen = new Set<string>();
  for (const [index, item] of (ports ?? []).entries()) {
    const field = `ports[${index}]`;
    const port = check.object(item, field, ['published', 'target', 'protocol']);
    if (port === null) continue;
    const valid = [
      check.integer(port.published, `${field}.published`, 1, 65_535),
      check.integer(port.target, `${field}.target`, 1, 65_535),
      check.choice(port.protocol, `${field}.protocol`, ['tcp', 'udp']),
    ].every(Boolean);
    if (!valid) continue;
    const key = publishedKey(port as { published: number; target: number; protocol: 'tcp' | 'udp' });
    if (seen.has(key)) check.add('EDGE_SPEC_DUPLICATE_PORT', field, `publishes ${key} again; a node port can be bound by one publish only`);
    seen.add(key);
  }
}

export function checkMounts(check: FieldChecker, value: unknown): void {
  const mounts = check.array(value, 'mounts', mountsCountMax);
  const targets = new Set<string>();
  for (const [index, item] of (mounts ?? []).entries()) {
    const field = `mounts[${index}]`;
    const mount = check.object(item, field, ['type', 'source', 'target', 'readOnly']);
    if (mount === null) continue;
    check.boolean(mount.readOnly, `${field}.readOnly`);
    const typeValid = check.choice(mount.type, `${field}.type`, ['bind', 'volume']);
    const { source, target } = mount;
    if (typeValid && check.string(source, `${field}.source`)) {
      check.parsed(`${field}.source`, () => (mount.type === 'bind' ? checkAbsolutePath(source, 'source') : checkVolumeName(source)));
    }
    if (!check.string(target, `${field}.target`)) continue;
    check.parsed(`${field}.target`, () => checkAbsolutePath(target, 'target'));
    if (targets.has(target)) check.add('EDGE_SPEC_BAD_MOUNT', `${field}.target`, `mounts onto ${target} again; each target takes one mount`);
    targets.add(target);
  }
}
