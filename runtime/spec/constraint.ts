/**
 * Placement constraints ("node.labels.zone==b", "node.role != manager") and
 * spread preferences ("node.labels.zone"), in Swarm's syntax. Fields are the
 * ones a scheduler on our boards can know; Swarm's engine.labels come from
 * dockerd, which edgectl does not have.
 */
import { SpecError } from './errors.js';
import { constraintValueCharsMax } from './limits.js';
import type { PlacementConstraint } from '../store/services.js';

/** Fields with a fixed name; node.labels.<key> is the open-ended one. */
export const constraintFields = ['node.id', 'node.hostname', 'node.role', 'node.platform.os', 'node.platform.arch', 'node.board'] as const;
const labelFieldPattern = /^node\.labels\.[A-Za-z0-9_.-]{1,128}$/;
const valuePattern = /^[^\s\0]+$/;
const roles = ['manager', 'worker'];

/** Parses "FIELD==VALUE" or "FIELD!=VALUE", with optional spaces around the operator. */
export function parseConstraint(text: string): PlacementConstraint {
  const match = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(text);
  if (match === null) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(text)}" is not a constraint; write FIELD==VALUE or FIELD!=VALUE, e.g. node.labels.zone==b`);
  }
  const field = match[1] ?? '';
  const operator = match[2] === '!=' ? '!=' : '==';
  const value = match[3] ?? '';
  checkConstraintField(field);
  if (value.length === 0) throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(text)}" has no value after ${operator}`);
  if (value.length > constraintValueCharsMax || !valuePattern.test(value)) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(text)}" has a value with spaces or longer than ${constraintValueCharsMax} characters`);
  }
  if (field === 'node.role' && !roles.includes(value)) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(text)}": node.role is "manager" or "worker", not "${clip(value)}"`);
  }
  return { field, operator, value };
}

export function checkConstraintField(field: string): void {
  if ((constraintFields as readonly string[]).includes(field) || labelFieldPattern.test(field)) return;
  if (field.startsWith('engine.labels.')) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `${field} is not supported: engine labels come from dockerd, which edgectl does not use; put a node label on the boards (edgectl node update --label-add) and use node.labels.*`);
  }
  throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(field)}" is not a field edgectl can match; use one of ${constraintFields.join(', ')} or node.labels.<key>`);
}

/** The text form, e.g. "node.labels.zone==b": what flags and files write, and what diffs compare. */
export function formatConstraint(constraint: PlacementConstraint): string {
  return `${constraint.field}${constraint.operator}${constraint.value}`;
}

/** Checks a spread target: only node labels have the repeated values spreading needs. */
export function parseSpreadTarget(text: string): string {
  const target = text.trim();
  if (!labelFieldPattern.test(target)) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(target)}" cannot be spread over; spread takes a node label, e.g. node.labels.zone`);
  }
  return target;
}

/** The --placement-pref form: "spread=node.labels.zone". */
export function parsePlacementPreference(text: string): string {
  const match = /^spread=(.*)$/.exec(text.trim());
  if (match === null) {
    throw new SpecError('EDGE_SPEC_BAD_CONSTRAINT', `"${clip(text)}" is not a placement preference; the one kind is spread=node.labels.<key>`);
  }
  return parseSpreadTarget(match[1] ?? '');
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
