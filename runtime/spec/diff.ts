/**
 * diffSpecs: which fields of a service spec change between two versions,
 * after a normalisation that removes differences with no effect (the order
 * of env keys, labels, constraints, ports and mounts; replicas of a global
 * service). So deploying the same file twice changes nothing, and a changed
 * file updates only the services, and names only the fields, that changed.
 * Deterministic: the same two specs always give the same field list, in the
 * order of the spec's fields.
 */
import type { ServiceSpec } from '../store/services.js';
import { formatConstraint } from './constraint.js';
import { isGlobalMode } from './service-defaults.js';
import { stackNamespaceLabel, type StackSpec } from './stack.js';
import { childPath } from './paths.js';

export interface SpecDiff {
  changed: boolean;
  /** Paths of changed fields: "image", "env.LOG", "resources.memoryLimitBytes", "healthCheck". */
  fields: string[];
}

/**
 * A copy of the spec in canonical form. Lists whose order carries no
 * meaning are sorted; spreadOver and command keep their order (the first
 * spread level wins; argv order is argv).
 */
export function normalizeServiceSpec(spec: ServiceSpec): ServiceSpec {
  const copy = structuredClone(spec);
  copy.env = sortedRecord(copy.env);
  copy.labels = sortedRecord(copy.labels);
  copy.placement.constraints.sort((a, b) => compareText(formatConstraint(a), formatConstraint(b)));
  copy.ports.sort((a, b) => a.published - b.published || compareText(a.protocol, b.protocol) || a.target - b.target);
  copy.mounts.sort((a, b) => compareText(a.target, b.target));
  // The orchestrator ignores replicas for global modes (one task per node), so they must not show as a change.
  if (isGlobalMode(copy.mode)) copy.replicas = 1;
  return copy;
}

export function diffSpecs(current: ServiceSpec, next: ServiceSpec): SpecDiff {
  const fields: string[] = [];
  collectDifferences(normalizeServiceSpec(current), normalizeServiceSpec(next), '', fields);
  return { changed: fields.length > 0, fields };
}

/** env and labels are compared per key, so a diff names the variable that changed. */
const perKeyFields = new Set(['env', 'labels']);

function collectDifferences(current: unknown, next: unknown, path: string, fields: string[]): void {
  const bothObjects = isObject(current) && isObject(next);
  if (!bothObjects || (path !== '' && !perKeyFields.has(path) && !isNested(path))) {
    if (!sameValue(current, next)) fields.push(path);
    return;
  }
  const keys = [...Object.keys(current)];
  for (const key of Object.keys(next)) if (!keys.includes(key)) keys.push(key);
  if (perKeyFields.has(path)) keys.sort(compareText);
  for (const key of keys) collectDifferences(current[key], next[key], childPath(path, key), fields);
}

/** Objects whose fields are reported one by one: placement.maxReplicasPerNode rather than placement. */
function isNested(path: string): boolean {
  return ['placement', 'resources', 'restartPolicy', 'update', 'rollback', 'healthCheck'].includes(path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of plain data (what a spec is made of). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
  }
  return false;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

/** Code-unit order, independent of locale, so every manager sorts alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface StackDeployPlan {
  /** Services of the file that do not exist yet. */
  create: ServiceSpec[];
  /** Services that exist and whose spec changes, with the fields that change. */
  update: Array<{ spec: ServiceSpec; fields: string[] }>;
  /** Names of services that exist with exactly the file's spec: nothing to do. */
  unchanged: string[];
  /** Names of services labelled with this stack that the file no longer has (Docker removes them only with --prune). */
  absent: string[];
}

/**
 * What deploying `stack` over the cluster's `existing` services would do.
 * A service is matched by name; `absent` lists only services carrying this
 * stack's namespace label, so other stacks and loose services are never
 * touched.
 */
export function planStackDeploy(existing: readonly ServiceSpec[], stack: StackSpec): StackDeployPlan {
  const byName = new Map(existing.map((spec) => [spec.name, spec]));
  const plan: StackDeployPlan = { create: [], update: [], unchanged: [], absent: [] };
  for (const spec of stack.services) {
    const current = byName.get(spec.name);
    if (current === undefined) {
      plan.create.push(spec);
      continue;
    }
    const diff = diffSpecs(current, spec);
    if (diff.changed) plan.update.push({ spec, fields: diff.fields });
    else plan.unchanged.push(spec.name);
  }
  if (stack.stackName !== null) {
    const inFile = new Set(stack.services.map((spec) => spec.name));
    for (const spec of existing) {
      if (spec.labels[stackNamespaceLabel] === stack.stackName && !inFile.has(spec.name)) plan.absent.push(spec.name);
    }
    plan.absent.sort(compareText);
  }
  return plan;
}
