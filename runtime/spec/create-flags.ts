/**
 * parseServiceCreateFlags: `edgectl service create [flags] IMAGE [CMD…]`
 * with the flag names and value syntax of `docker service create`. As in
 * Docker, flags end at IMAGE: everything after it is the command, even words
 * that start with "-". All problems on the line are reported together, and
 * the result has passed validateServiceSpec.
 */
import { defaultServiceSpec, type ServiceMode, type ServiceSpec } from '../store/services.js';
import { parseConstraint, parsePlacementPreference } from './constraint.js';
import { SpecError } from './errors.js';
import { readFlags, flagLocation, type FlagDefinition, type FlagTable } from './flag-reader.js';
import { checkImageReference } from './image.js';
import { parseEnvEntry, parseLabelEntry } from './key-value.js';
import { parseMountFlag } from './mounts.js';
import { checkServiceName } from './names.js';
import { formatPort, parsePublishFlag, publishedKey } from './ports.js';
import { attempt, ProblemList } from './problem-list.js';
import { applyMode, serviceModes } from './service-defaults.js';
import {
  applyFlagUses, finishFlags, newFlagState, parseChoice, sharedFlagDefinitions, sharedFlagSetters, sharedUnsupportedFlags, sharedUnsupportedSwitches, type FlagSetter,
} from './service-flags.js';
import { reportSpecProblems } from './spec-problems.js';

const createSetters: Readonly<Record<string, FlagSetter>> = {
  ...sharedFlagSetters,
  name: (state, value) => (state.spec.name = checkServiceName(value)),
  constraint: (state, value) => state.spec.placement.constraints.push(parseConstraint(value)),
  'placement-pref': (state, value) => state.spec.placement.spreadOver.push(parsePlacementPreference(value)),
  publish: (state, value) => {
    const port = parsePublishFlag(value);
    if (state.spec.ports.some((other) => publishedKey(other) === publishedKey(port))) {
      throw new SpecError('EDGE_SPEC_DUPLICATE_PORT', `${formatPort(port)} publishes ${publishedKey(port)} again; a node port can be bound by one publish only`);
    }
    state.spec.ports.push(port);
  },
  env: (state, value) => {
    const { key, value: text } = parseEnvEntry(value);
    if (Object.hasOwn(state.spec.env, key)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `${key} is set a second time; keep one`);
    state.spec.env[key] = text;
  },
  label: (state, value) => {
    const { key, value: text } = parseLabelEntry(value);
    if (Object.hasOwn(state.spec.labels, key)) throw new SpecError('EDGE_SPEC_BAD_VALUE', `label ${key} is set a second time; keep one`);
    state.spec.labels[key] = text;
  },
  mount: (state, value) => {
    const mount = parseMountFlag(value);
    if (state.spec.mounts.some((other) => other.target === mount.target)) throw new SpecError('EDGE_SPEC_BAD_MOUNT', `${mount.target} is mounted onto a second time`);
    state.spec.mounts.push(mount);
  },
};

const repeatable = (name: string, short?: string): FlagDefinition => ({ name, takesValue: true, repeatable: true, ...(short === undefined ? {} : { short }) });

export const createFlagTable: FlagTable = {
  definitions: [
    ...sharedFlagDefinitions,
    { name: 'name', takesValue: true, repeatable: false },
    { name: 'mode', takesValue: true, repeatable: false },
    repeatable('constraint'),
    repeatable('placement-pref'),
    repeatable('publish', 'p'),
    repeatable('env', 'e'),
    repeatable('label', 'l'),
    repeatable('mount'),
  ],
  unsupported: sharedUnsupportedFlags,
  unsupportedSwitches: sharedUnsupportedSwitches,
  interspersed: false,
};

/** Flags then IMAGE [CMD…] → a validated ServiceSpec; throws SpecProblemsError listing every problem. */
export function parseServiceCreateFlags(argv: readonly string[]): ServiceSpec {
  const problems = new ProblemList();
  const { uses, positionals } = readFlags(argv, createFlagTable, problems);
  const state = newFlagState(defaultServiceSpec('', ''));
  // The mode goes first: it sets the restart default for jobs, which an explicit --restart-condition then overrides.
  const modeUse = uses.find((use) => use.name === 'mode');
  if (modeUse !== undefined) {
    const mode = attempt(problems, flagLocation(modeUse.index), '--mode', () => parseChoice<ServiceMode>(modeUse.value, serviceModes));
    if (mode !== null) applyMode(state.spec, mode);
  }
  applyFlagUses(uses.filter((use) => use !== modeUse), createSetters, state, problems);
  const [image, ...command] = positionals;
  if (image === undefined) {
    problems.add({ code: 'EDGE_SPEC_MISSING_ARGUMENT', where: null, line: null, path: 'IMAGE', message: 'IMAGE is missing; write edgectl service create [flags] IMAGE [COMMAND…]' });
  } else {
    state.spec.image = attempt(problems, flagLocation(image.index), 'IMAGE', () => checkImageReference(image.value)) ?? '';
  }
  state.spec.command = command.map((argument) => argument.value);
  if (!uses.some((use) => use.name === 'name')) {
    problems.add({ code: 'EDGE_SPEC_MISSING_ARGUMENT', where: null, line: null, path: '--name', message: '--name is missing; every service needs a name (lowercase letters, digits, "-" or "_")' });
  }
  finishFlags(state, null, problems);
  if (problems.size === 0) reportSpecProblems(state.spec, problems);
  problems.throwIfAny('edgectl service create');
  return state.spec;
}
