// Placement constraints: "node.labels.zone==b" as text, the structured
// PlacementConstraint the store keeps, and a compiled form the constraints
// filter runs. Values compare without regard to case, as in Swarm (hostnames
// and architectures are case-insensitive anyway, and a stack file written for
// Swarm must place the same way here). A node without the label never equals
// the value: `==` fails and `!=` holds.
import type { PlacementConstraint, ServiceSpec } from '../store/services.js';
import { SchedulerError, SchedulerErrorCode } from './errors.js';
import { nodeFieldReader, normalizeArch, type NodeFieldReader } from './node-field.js';
import type { NodeRecord } from '../store/state.js';

/** Longest value a constraint may compare with: the store's longest label value. */
export const constraintValueCharsMax = 255;
/** Longest constraint text accepted by parseConstraint (field + operator + value, with room for spaces). */
export const constraintTextCharsMax = 512;

const roleValues = ['manager', 'worker'];

export interface CompiledConstraint {
  readonly source: PlacementConstraint;
  /** As a person wrote it, for explanations: "node.labels.zone==b". */
  readonly text: string;
  matches(node: NodeRecord): boolean;
}

export function formatConstraint(constraint: PlacementConstraint): string {
  return `${constraint.field}${constraint.operator}${constraint.value}`;
}

function invalid(message: string, field: string): SchedulerError {
  return new SchedulerError(SchedulerErrorCode.ConstraintInvalid, message, field);
}

/**
 * Reads "FIELD==VALUE" or "FIELD!=VALUE" (spaces around the operator are
 * allowed). Throws a SchedulerError naming the problem and the expected form.
 */
export function parseConstraint(text: string, field = 'constraint'): PlacementConstraint {
  if (text.length > constraintTextCharsMax) throw invalid(`constraint is ${text.length} characters long; at most ${constraintTextCharsMax} are allowed`, field);
  const operators = [...text.matchAll(/==|!=/g)];
  const shown = JSON.stringify(text);
  if (operators.length === 0) {
    const hint = /[^=!]=[^=]/.test(text) ? ' ("=" alone is not an operator)' : '';
    throw invalid(`constraint ${shown} has no == or != operator${hint}: write FIELD==VALUE or FIELD!=VALUE, e.g. node.labels.zone==b`, field);
  }
  if (operators.length > 1) throw invalid(`constraint ${shown} has more than one operator: write exactly one FIELD==VALUE or FIELD!=VALUE per constraint`, field);
  const match = operators[0]!;
  const constraint: PlacementConstraint = {
    field: text.slice(0, match.index).trim(),
    operator: match[0] === '==' ? '==' : '!=',
    value: text.slice(match.index + 2).trim(),
  };
  const compiled = compileConstraint(constraint, field);
  if (compiled instanceof SchedulerError) throw compiled;
  return constraint;
}

/**
 * Checks a structured constraint and makes its matcher; a SchedulerError
 * (returned, not thrown) when it cannot be evaluated.
 */
export function compileConstraint(constraint: PlacementConstraint, field = 'constraint'): CompiledConstraint | SchedulerError {
  const text = formatConstraint(constraint);
  if (constraint.operator !== '==' && constraint.operator !== '!=') {
    return invalid(`constraint ${JSON.stringify(text)} has operator ${JSON.stringify(constraint.operator)}: use == or !=`, field);
  }
  if (constraint.field.length === 0) return invalid(`constraint ${JSON.stringify(text)} names no field: write e.g. node.role==worker`, field);
  const reader = nodeFieldReader(constraint.field);
  if (typeof reader === 'string') return invalid(`constraint ${JSON.stringify(text)}: ${reader}`, field);
  const problem = valueProblem(constraint);
  if (problem !== null) return invalid(`constraint ${JSON.stringify(text)}: ${problem}`, field);
  return { source: constraint, text, matches: matcher(constraint, reader) };
}

function valueProblem(constraint: PlacementConstraint): string | null {
  const { value } = constraint;
  if (value.length === 0) return `no value to compare with: write ${constraint.field}${constraint.operator}VALUE`;
  if (value.length > constraintValueCharsMax) return `the value is ${value.length} characters long; at most ${constraintValueCharsMax} are allowed`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'the value contains a control character';
  if (value.includes('==') || value.includes('!=')) return 'the value contains an operator: write one constraint per comparison';
  if (constraint.field === 'node.role' && !roleValues.includes(value.toLowerCase())) return `a node's role is ${roleValues.join(' or ')}, not ${JSON.stringify(value)}`;
  return null;
}

function matcher(constraint: PlacementConstraint, reader: NodeFieldReader): (node: NodeRecord) => boolean {
  const isArch = constraint.field === 'node.platform.arch';
  const wanted = isArch ? normalizeArch(constraint.value) : constraint.value.toLowerCase();
  const equal = constraint.operator === '==';
  return (node) => {
    const actual = reader(node);
    const same = actual !== undefined && actual.toLowerCase() === wanted;
    return same === equal;
  };
}

/**
 * Whether a node satisfies every placement constraint of a spec: the same
 * answer as the scheduler's constraints filter. The orchestrator uses it to
 * choose which nodes a global service runs on. A spec with an invalid
 * constraint matches no node, just as schedule() leaves its tasks pending.
 */
export function matchesConstraints(spec: ServiceSpec, node: NodeRecord): boolean {
  for (const source of spec.placement.constraints) {
    const compiled = compileConstraint(source);
    if (compiled instanceof SchedulerError || !compiled.matches(node)) return false;
  }
  return true;
}
