/**
 * parseServiceUpdateFlags: `edgectl service update [flags] [SERVICE]`, with
 * the flag names of `docker service update`, applied to the current spec.
 * As in Docker, removals (--*-rm) apply before additions, whatever their
 * order on the line; removing something the service does not have is an
 * error (it is almost always a typo), not a silent no-op.
 */
import type { ServiceSpec } from '../store/services.js';
import { formatConstraint, parseConstraint, parsePlacementPreference } from './constraint.js';
import { SpecError } from './errors.js';
import { readFlags, flagLocation, type FlagDefinition, type FlagTable } from './flag-reader.js';
import { checkImageReference } from './image.js';
import { checkEnvName, checkLabelKey, parseEnvEntry, parseLabelEntry } from './key-value.js';
import { checkAbsolutePath, parseMountFlag } from './mounts.js';
import { parsePortNumber, parseProtocol, parsePublishFlag, publishedKey } from './ports.js';
import { ProblemList } from './problem-list.js';
import {
  applyFlagUses, finishFlags, newFlagState, sharedFlagDefinitions, sharedFlagSetters, sharedUnsupportedFlags, sharedUnsupportedSwitches, type FlagSetter,
} from './service-flags.js';
import { splitShellWords } from './shell-words.js';
import { reportSpecProblems } from './spec-problems.js';

const removalSetters: Readonly<Record<string, FlagSetter>> = {
  'env-rm': ({ spec }, value) => {
    const name = checkEnvName(value);
    if (!Object.hasOwn(spec.env, name)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `the service has no variable ${name}`);
    delete spec.env[name];
  },
  'label-rm': ({ spec }, value) => {
    const key = checkLabelKey(value);
    if (!Object.hasOwn(spec.labels, key)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `the service has no label ${key}`);
    delete spec.labels[key];
  },
  'constraint-rm': ({ spec }, value) => {
    const text = formatConstraint(parseConstraint(value));
    spec.placement.constraints = without(spec.placement.constraints, (item) => formatConstraint(item) === text, `the service has no constraint ${text}`);
  },
  'placement-pref-rm': ({ spec }, value) => {
    const target = parsePlacementPreference(value);
    spec.placement.spreadOver = without(spec.placement.spreadOver, (item) => item === target, `the service does not spread over ${target}`);
  },
  'publish-rm': ({ spec }, value) => {
    const matches = portMatcher(value);
    spec.ports = without(spec.ports, matches, `the service publishes nothing that matches ${value}`);
  },
  'mount-rm': ({ spec }, value) => {
    const target = checkAbsolutePath(value, 'target');
    spec.mounts = without(spec.mounts, (mount) => mount.target === target, `the service has no mount at ${target}`);
  },
};

const additionSetters: Readonly<Record<string, FlagSetter>> = {
  ...sharedFlagSetters,
  image: ({ spec }, value) => (spec.image = checkImageReference(value)),
  args: ({ spec }, value) => (spec.command = splitShellWords(value)),
  'env-add': ({ spec }, value) => {
    const { key, value: text } = parseEnvEntry(value);
    spec.env[key] = text;
  },
  'label-add': ({ spec }, value) => {
    const { key, value: text } = parseLabelEntry(value);
    spec.labels[key] = text;
  },
  'constraint-add': ({ spec }, value) => {
    const constraint = parseConstraint(value);
    const text = formatConstraint(constraint);
    if (!spec.placement.constraints.some((item) => formatConstraint(item) === text)) spec.placement.constraints.push(constraint);
  },
  'placement-pref-add': ({ spec }, value) => {
    const target = parsePlacementPreference(value);
    if (!spec.placement.spreadOver.includes(target)) spec.placement.spreadOver.push(target);
  },
  // A port published again replaces the old one: "--publish-add 8080:81" means 8080 now goes to 81.
  'publish-add': ({ spec }, value) => {
    const port = parsePublishFlag(value);
    spec.ports = [...spec.ports.filter((other) => publishedKey(other) !== publishedKey(port)), port];
  },
  'mount-add': ({ spec }, value) => {
    const mount = parseMountFlag(value);
    spec.mounts = [...spec.mounts.filter((other) => other.target !== mount.target), mount];
  },
};

const repeatable = (name: string): FlagDefinition => ({ name, takesValue: true, repeatable: true });

export const updateFlagTable: FlagTable = {
  definitions: [
    ...sharedFlagDefinitions,
    { name: 'image', takesValue: true, repeatable: false },
    { name: 'args', takesValue: true, repeatable: false },
    ...['env', 'label', 'constraint', 'placement-pref', 'publish', 'mount'].flatMap((noun) => [repeatable(`${noun}-add`), repeatable(`${noun}-rm`)]),
  ],
  unsupported: {
    ...sharedUnsupportedFlags,
    name: 'a service cannot be renamed; create a new one and remove the old',
    mode: 'the mode of a service cannot change; remove the service and create it again',
    force: 'the spec has no force counter yet; change a setting to roll the tasks',
    rollback: 'use edgectl service rollback',
    env: 'use --env-add and --env-rm',
    label: 'use --label-add and --label-rm',
    constraint: 'use --constraint-add and --constraint-rm',
    publish: 'use --publish-add and --publish-rm',
    mount: 'use --mount-add and --mount-rm',
  },
  unsupportedSwitches: [...sharedUnsupportedSwitches, 'force', 'rollback'],
  interspersed: true,
};

/** Flags (and optionally the service's name) → the new spec, validated; `current` is not changed. */
export function parseServiceUpdateFlags(argv: readonly string[], current: ServiceSpec): ServiceSpec {
  const problems = new ProblemList();
  const { uses, positionals } = readFlags(argv, updateFlagTable, problems);
  for (const positional of positionals) {
    if (positional.value === current.name && positionals.length === 1) continue;
    problems.add({
      code: 'EDGE_SPEC_UNEXPECTED_ARGUMENT', ...flagLocation(positional.index), path: positional.value,
      message: `"${positional.value.slice(0, 80)}" is not a flag, and the only argument update takes is the service's name (${current.name})`,
    });
  }
  const state = newFlagState(structuredClone(current));
  applyFlagUses(uses.filter((use) => use.name.endsWith('-rm')), removalSetters, state, problems);
  applyFlagUses(uses.filter((use) => !use.name.endsWith('-rm')), additionSetters, state, problems);
  finishFlags(state, current.healthCheck, problems);
  if (problems.size === 0) reportSpecProblems(state.spec, problems);
  problems.throwIfAny(`edgectl service update ${current.name}`);
  return state.spec;
}

/** The list without the items `matches` picks; throws `missing` when it picks none. */
function without<T>(items: readonly T[], matches: (item: T) => boolean, missing: string): T[] {
  const kept = items.filter((item) => !matches(item));
  if (kept.length === items.length) throw new SpecError('EDGE_SPEC_BAD_VALUE', missing);
  return kept;
}

/**
 * --publish-rm takes the target port as Docker does ("80", "53/udp"), or a
 * full publish ("8080:80", "published=8080,target=80"), matched on the
 * published port, which is the one that names a node's resource.
 */
function portMatcher(text: string): (port: ServiceSpec['ports'][number]) => boolean {
  const bare = /^(\d+)(?:\/(\w+))?$/.exec(text.trim());
  if (bare !== null) {
    const target = parsePortNumber(bare[1] ?? '', 'target');
    const protocol = parseProtocol(bare[2] ?? 'tcp');
    return (port) => port.target === target && port.protocol === protocol;
  }
  const key = publishedKey(parsePublishFlag(text));
  return (port) => publishedKey(port) === key;
}
