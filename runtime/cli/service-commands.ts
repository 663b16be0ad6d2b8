// `edgectl service ...`: create, list, change and remove services, as
// `docker service ...` does. The docker-style service flags of create and
// update, and stack files, are read by runtime/spec; this file splits them
// from edgectl's own flags, talks to edged, and (unless --detach) waits for
// the tasks with progress.ts.
import { assert } from '../common/assert.js';
import { EdgeError } from '../common/errors.js';
import {
  createFlagTable, diffSpecs, parseServiceCreateFlags, parseServiceUpdateFlags, parseStack, readStackFile, specLimits, SpecProblemsError, updateFlagTable,
} from '../spec/index.js';
import type { ServiceSpec } from '../store/services.js';
import { argumentsMax, flagSet, flagValue, globalFlags, UsageError, type ArgumentSpec, type FlagSpec, type ParsedArgs } from './args.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import type { ControlClient, ControlResponse } from './control-client.js';
import { asEdgeError, cliErrors } from './errors.js';
import { parseDuration } from './flag-values.js';
import { convergeTimeoutMsDefault, Interruption, watchServices, type WatchTarget } from './progress.js';
import {
  inspectionJson, inspectionPretty, serviceTable, sortedServices, specFromWire, specToWire, taskJson, tasksBySlot, taskTable, type ServiceInspection,
} from './service-format.js';
import { shortIdChars } from './node-format.js';

const serviceArgument: ArgumentSpec = { name: 'SERVICE', required: true };
const servicesArgument: ArgumentSpec = { name: 'SERVICE', required: true, variadic: true };
const serviceNote = 'SERVICE is a service name, ID, or unique ID prefix.';

const detachFlag: FlagSpec = { name: '--detach', short: '-d', help: 'return once edged has taken the change, without waiting for the tasks' };
const timeoutFlag: FlagSpec = { name: '--timeout', value: 'DURATION', help: 'how long to wait for the tasks to converge (default 2m), e.g. 30s, 5m' };
const quietFlag: FlagSpec = { name: '--quiet', short: '-q', help: 'wait without printing progress' };
const waitFlags: readonly FlagSpec[] = [detachFlag, timeoutFlag, quietFlag];
const waitNote = 'Unless --detach is given, edgectl shows each slot until the service converges (exit 0), or the update pauses, rolls back or times out (exit 1). Ctrl-C stops waiting, not the change.';

/** How long --timeout may be: long enough for a slow image pull over a metered link, short enough to notice a typo. */
const timeoutBoundsMs = { minMs: 1_000, maxMs: 24 * 3_600_000 };
/** Items service.deploy takes at once (its request schema). */
const deploySpecsMax = 200;
/** service.deploy creates and updates up to deploySpecsMax services in one Raft change: give it longer than one call. */
const deployCallTimeoutMs = 60_000;
/** How often `service logs -f` asks for new lines. */
const logsPollMs = 1_000;

/** Whether and how long to wait, read before anything is sent so a bad --timeout changes nothing. */
interface WaitOptions {
  detach: boolean;
  timeoutMs: number;
  quiet: boolean;
}

function waitOptions(context: CommandContext): WaitOptions {
  const text = flagValue(context.args, '--timeout');
  const timeoutMs = text === undefined ? convergeTimeoutMsDefault : parseDuration(text, '--timeout', timeoutBoundsMs);
  return { detach: flagSet(context.args, '--detach'), timeoutMs, quiet: flagSet(context.args, '--quiet') };
}

async function waitUnlessDetached(context: CommandContext, wait: WaitOptions, targets: readonly WatchTarget[]): Promise<number> {
  if (wait.detach || targets.length === 0) return 0;
  return watchServices(context, targets, { timeoutMs: wait.timeoutMs, quiet: wait.quiet });
}

// ---- create and update: flags split between edgectl and runtime/spec ----

type SpecFlagTable = typeof createFlagTable;

/** What runtime/spec reads, cut from the command's argv, and where each piece came from. */
interface SpecArguments {
  /** Docker's service flags with their values and, for create, IMAGE [COMMAND...]. */
  argv: string[];
  /** Index in the command's argv of each element of `argv`, so a problem names the argument the user typed. */
  origins: number[];
  /** Where in `argv` the arguments that are no flag and no flag's value sit (update: SERVICE, last). Empty for create, whose IMAGE ends the flags. */
  positionalsAt: number[];
  /** Those of them right after a flag runtime/spec does not know: most likely that flag's value, as runtime/spec reads them too. */
  afterUnknownFlag: Set<number>;
}

const specArgumentsOf = new WeakMap<ParsedArgs, SpecArguments>();

function ownFlag(arg: string, specs: readonly FlagSpec[]): FlagSpec | undefined {
  const name = arg.startsWith('--') ? arg.split('=', 1)[0] : arg;
  return specs.find((spec) => spec.name === name || spec.short === arg);
}

function isKnownFlag(arg: string, table: SpecFlagTable): boolean {
  return table.definitions.some((definition) => `--${definition.name}` === arg || (definition.short !== undefined && arg.startsWith(`-${definition.short}`)));
}

/** Does this service flag take the next argument as its value? runtime/spec's table says. */
function takesNextArgument(arg: string, table: SpecFlagTable): boolean {
  if (arg.startsWith('--')) return !arg.includes('=') && table.definitions.some((definition) => definition.takesValue && `--${definition.name}` === arg);
  return arg.length === 2 && table.definitions.some((definition) => definition.takesValue && definition.short === arg.slice(1));
}

/**
 * A parser for a command whose service flags runtime/spec reads: edgectl's
 * own flags (--detach, --timeout and the global ones) go into `flags`, every
 * other flag goes to runtime/spec untouched, with its value when the spec's
 * table says it takes one. For create the first argument that is not a flag
 * (IMAGE) ends the flags, as in docker: the command after it may hold "-d".
 */
function serviceFlagsParser(table: SpecFlagTable, own: readonly FlagSpec[]): (argv: readonly string[]) => ParsedArgs {
  const specs = [...own, ...globalFlags];
  return (argv) => {
    if (argv.length > argumentsMax) throw new UsageError(`${argv.length} arguments is more than edgectl accepts (${argumentsMax}); split the work into several calls`);
    const flags = new Map<string, string[]>();
    const split: SpecArguments = { argv: [], origins: [], positionalsAt: [], afterUnknownFlag: new Set() };
    let unknownFlagBefore = false;
    const pass = (index: number): void => {
      split.argv.push(argv[index]!);
      split.origins.push(index);
    };
    const passPositional = (index: number): void => {
      if (unknownFlagBefore) split.afterUnknownFlag.add(split.argv.length);
      split.positionalsAt.push(split.argv.length);
      pass(index);
    };
    for (let index = 0; index < argv.length; index++) {
      const arg = argv[index]!;
      const isFlag = arg.startsWith('-') && arg !== '-' && arg !== '--';
      if (arg === '--' && table.interspersed) {
        for (let rest = index + 1; rest < argv.length; rest++) passPositional(rest);
        break;
      }
      if (!isFlag && (arg === '--' || !table.interspersed)) {
        for (let rest = index; rest < argv.length; rest++) pass(rest);
        break;
      }
      if (!isFlag) {
        passPositional(index);
        unknownFlagBefore = false;
        continue;
      }
      const spec = ownFlag(arg, specs);
      unknownFlagBefore = spec === undefined && !arg.includes('=') && !isKnownFlag(arg, table);
      if (spec === undefined) {
        pass(index);
        if (takesNextArgument(arg, table) && index + 1 < argv.length) pass(++index);
        continue;
      }
      const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
      let value = 'true';
      if (spec.value !== undefined) {
        const next = equals >= 0 ? arg.slice(equals + 1) : argv[++index];
        if (next === undefined) throw new UsageError(`flag ${spec.name} needs a value (${spec.value})`);
        value = next;
      } else if (equals >= 0) {
        throw new UsageError(`flag ${spec.name} takes no value`);
      }
      if (flags.has(spec.name)) throw new UsageError(`flag ${spec.name} given twice; give it once`);
      flags.set(spec.name, [value]);
    }
    const parsed: ParsedArgs = { flags, positionals: split.positionalsAt.map((at) => split.argv[at]!) };
    specArgumentsOf.set(parsed, split);
    return parsed;
  };
}

/** A command-line problem found by runtime/spec: exit 2 with the usage, and every problem under --json. */
class ServiceFlagsError extends UsageError {
  constructor(private readonly problems: SpecProblemsError) {
    super(problems.message, problems.code);
  }

  override toJSON(): ReturnType<SpecProblemsError['toJSON']> {
    return this.problems.toJSON();
  }
}

/** Runs a runtime/spec flag parser; its problems become a usage error pointing at the arguments as typed. */
function parseServiceFlags(split: SpecArguments, subject: string, parse: (argv: string[]) => ServiceSpec): ServiceSpec {
  try {
    return parse(split.argv);
  } catch (error) {
    if (!(error instanceof SpecProblemsError)) throw error;
    const problems = error.problems.map((problem) => {
      const position = /^argument (\d+)$/.exec(problem.where ?? '');
      const origin = position ? split.origins[Number(position[1]) - 1] : undefined;
      return origin === undefined ? problem : { ...problem, where: `argument ${origin + 1}` };
    });
    throw new ServiceFlagsError(new SpecProblemsError(subject, problems, error.problemCount));
  }
}

/** "--constraint, --env (-e), …" wrapped for help: the flags runtime/spec reads, straight from its table. */
function serviceFlagList(table: SpecFlagTable): string {
  const names = table.definitions.map((definition) => `--${definition.name}${definition.short ? ` (-${definition.short})` : ''}`).sort();
  const lines: string[] = [];
  for (const name of names) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + name.length + 2 <= 100) lines[lines.length - 1] = `${last}, ${name}`;
    else lines.push(`  ${name}`);
  }
  return lines.join('\n');
}

function specArguments(context: CommandContext): SpecArguments {
  const split = specArgumentsOf.get(context.args);
  assert(split !== undefined, 'a command with service flags runs only after serviceFlagsParser split them');
  return split;
}

/**
 * SERVICE is update's last argument, as in docker. Any other stray argument
 * stays in for runtime/spec, which says what is wrong with it (often the
 * value of a misspelt flag) alongside every other problem on the line.
 */
function takeService(split: SpecArguments): { ref: string; rest: SpecArguments } {
  const last = <T>(items: readonly T[]): T | undefined => items[items.length - 1];
  const at = last(split.positionalsAt.filter((index) => !split.afterUnknownFlag.has(index))) ?? last(split.positionalsAt);
  if (at === undefined) throw new UsageError('missing SERVICE');
  const others = (_: unknown, index: number): boolean => index !== at;
  const rest = { argv: split.argv.filter(others), origins: split.origins.filter(others), positionalsAt: [], afterUnknownFlag: new Set<number>() };
  return { ref: split.argv[at]!, rest };
}

const create: Command = {
  name: 'create',
  summary: 'Create a new service',
  args: [{ name: 'IMAGE', required: true }, { name: 'COMMAND', required: false, variadic: true }],
  flags: waitFlags,
  parse: serviceFlagsParser(createFlagTable, waitFlags),
  details: [
    'Service flags, with the names and values of `docker service create` (flags end at IMAGE):',
    serviceFlagList(createFlagTable),
    '',
    waitNote,
    '',
    'Example: edgectl service create --name web --replicas 3 --publish 8080:80 --limit-memory 64M nginx:alpine',
  ].join('\n'),
  async run(context) {
    const wait = waitOptions(context);
    const spec = parseServiceFlags(specArguments(context), 'edgectl service create', parseServiceCreateFlags);
    const client = await context.control();
    const created = await client.call('service.create', { spec: specToWire(spec) });
    if (context.json) context.printJson(created);
    else context.print(created.id);
    return waitUnlessDetached(context, wait, [{ ref: created.id }]);
  },
};

const update: Command = {
  name: 'update',
  summary: 'Change a service',
  args: [serviceArgument],
  flags: waitFlags,
  parse: serviceFlagsParser(updateFlagTable, waitFlags),
  details: [
    'Service flags, with the names and values of `docker service update`:',
    serviceFlagList(updateFlagTable),
    '',
    `${serviceNote} ${waitNote}`,
    '',
    'Example: edgectl service update --image nginx:1.27-alpine --env-add LOG=debug web',
  ].join('\n'),
  async run(context) {
    const wait = waitOptions(context);
    const { ref, rest: split } = takeService(specArguments(context));
    const client = await context.control();
    const inspection = await client.call('service.inspect', { ref });
    const current = specFromWire(inspection.spec);
    const next = parseServiceFlags(split, `edgectl service update ${current.name}`, (argv) => parseServiceUpdateFlags(argv, current));
    const changes = diffSpecs(current, next).fields;
    // No version check: the control API has none, so a change made between our inspect and update is overwritten.
    const updated = await client.call('service.update', { ref: inspection.id, spec: specToWire(next) });
    if (context.json) context.printJson({ ...updated, name: current.name, changes });
    else context.print(current.name);
    if (!updated.changed) {
      context.progress(`${current.name}: nothing to change`);
      return 0;
    }
    if (changes.length > 0) context.progress(`${current.name}: changing ${changes.join(', ')}`);
    return waitUnlessDetached(context, wait, [{ ref: updated.id, specVersion: updated.specVersion }]);
  },
};

// ---- listing and inspecting ----

const ls: Command = {
  name: 'ls',
  aliases: ['list'],
  summary: 'List services',
  args: [],
  flags: [{ name: '--quiet', short: '-q', help: 'print only service IDs' }],
  details: 'REPLICAS is running/desired tasks; for a global service, desired is the number of nodes it may run on.',
  async run(context) {
    const client = await context.control();
    const services = sortedServices((await client.call('service.ls', {})).services);
    if (context.json) context.printJson(services);
    else if (flagSet(context.args, '--quiet')) services.forEach((service) => context.print(service.id));
    else context.print(serviceTable(services));
  },
};

/** The image a task runs: the task view carries none, so it comes from the spec of the task's version (another version: the previous spec). */
function imageOfTask(inspection: ServiceInspection): (task: { specVersion: number }) => string {
  return (task) => (task.specVersion === inspection.specVersion ? inspection.spec.image : (inspection.previousSpec?.image ?? inspection.spec.image));
}

const ps: Command = {
  name: 'ps',
  summary: 'List the tasks of a service',
  args: [serviceArgument],
  flags: [
    { name: '--all', short: '-a', help: 'include finished tasks (earlier versions, restarts) under each slot' },
    { name: '--no-trunc', help: 'do not shorten IDs and errors' },
    { name: '--quiet', short: '-q', help: 'print only task IDs' },
  ],
  details: `${serviceNote} JSON gives each task's id, name, service, slot, node, desiredState, state, message, error and exitCode.`,
  async run(context) {
    const ref = context.args.positionals[0]!;
    const all = flagSet(context.args, '--all');
    const client = await context.control();
    const [inspection, listed] = await Promise.all([client.call('service.inspect', { ref }), client.call('service.ps', all ? { ref, all } : { ref })]);
    const tasks = tasksBySlot(listed.tasks).flat();
    if (context.json) context.printJson(tasks.map(taskJson));
    else if (flagSet(context.args, '--quiet')) tasks.forEach((task) => context.print(task.id));
    else context.print(taskTable(tasks, { imageOf: imageOfTask(inspection), noTrunc: flagSet(context.args, '--no-trunc'), nowMs: Date.now() }));
  },
};

/** Runs `action` for each service in turn, reporting failures as they come; exit 1 if any failed. */
async function forEachService<T>(
  context: CommandContext,
  refs: readonly string[],
  action: (client: ControlClient, ref: string) => Promise<T>,
): Promise<{ results: T[]; exitCode: number }> {
  const client = await context.control();
  const results: T[] = [];
  let exitCode = 0;
  for (const ref of refs) {
    try {
      results.push(await action(client, ref));
    } catch (error) {
      const failure = asEdgeError(error);
      // Without a connection every other service would fail the same way.
      if (['EDGE_CLI_UNREACHABLE', 'EDGE_CLI_PERMISSION_DENIED', 'EDGE_CLI_CONNECTION_LOST'].includes(failure.code)) throw failure;
      context.reportError(failure);
      exitCode = 1;
    }
  }
  return { results, exitCode };
}

const inspect: Command = {
  name: 'inspect',
  summary: 'Show details of one or more services (JSON unless --pretty)',
  args: [servicesArgument],
  flags: [{ name: '--pretty', help: 'print a human-readable summary instead of JSON' }],
  details: serviceNote,
  async run(context) {
    const pretty = flagSet(context.args, '--pretty');
    if (pretty && context.json) throw new UsageError('--pretty and --json ask for different outputs; give one of them');
    const { results, exitCode } = await forEachService(context, context.args.positionals, (client, ref) => client.call('service.inspect', { ref }));
    if (!pretty) context.printJson(results.map(inspectionJson));
    else if (results.length > 0) context.print(results.map((inspection) => inspectionPretty(inspection, Date.now())).join('\n\n'));
    return exitCode;
  },
};

// ---- changing ----

function parseScaleArgument(text: string): { ref: string; replicas: number } {
  const equals = text.lastIndexOf('=');
  const count = text.slice(equals + 1);
  if (equals <= 0 || !/^\d{1,6}$/.test(count)) throw cliErrors.invalidValue('SERVICE=REPLICAS', `"${text.slice(0, 80)}" is not SERVICE=REPLICAS, e.g. web=3`);
  const replicas = Number(count);
  if (replicas > specLimits.replicasMax) throw cliErrors.invalidValue('SERVICE=REPLICAS', `${replicas} replicas is more than the ${specLimits.replicasMax} a service may have`);
  return { ref: text.slice(0, equals), replicas };
}

const scale: Command = {
  name: 'scale',
  summary: 'Set the number of replicas of one or more services',
  args: [{ name: 'SERVICE=REPLICAS', required: true, variadic: true }],
  flags: waitFlags,
  details: `${serviceNote} ${waitNote}\n\nExample: edgectl service scale web=5 worker=2`,
  async run(context) {
    const wait = waitOptions(context);
    const wanted = context.args.positionals.map(parseScaleArgument);
    const twice = wanted.find((entry, index) => wanted.findIndex((other) => other.ref === entry.ref) !== index);
    if (twice) throw cliErrors.invalidValue('SERVICE=REPLICAS', `${twice.ref} is given twice; give each service once`);
    const replicasOf = new Map(wanted.map((entry) => [entry.ref, entry.replicas]));
    const { results, exitCode } = await forEachService(context, [...replicasOf.keys()], async (client, ref) => {
      const replicas = replicasOf.get(ref)!;
      const scaled = await client.call('service.scale', { ref, replicas });
      if (!context.json) context.print(`${ref} scaled to ${replicas}`);
      return { ref, replicas, ...scaled };
    });
    if (context.json) context.printJson(results);
    const waited = await waitUnlessDetached(context, wait, results.map((result) => ({ ref: result.id, specVersion: result.specVersion })));
    return Math.max(exitCode, waited);
  },
};
const rollback: Command = {
  name: 'rollback',
  summary: 'Go back to the spec a service had before its last update',
  args: [serviceArgument],
  flags: waitFlags,
  details: `${serviceNote} ${waitNote}`,
  async run(context) {
    const wait = waitOptions(context);
    const ref = context.args.positionals[0]!;
    const client = await context.control();
    const rolled = await client.call('service.rollback', { ref });
    if (context.json) context.printJson(rolled);
    else context.print(ref);
    return waitUnlessDetached(context, wait, [{ ref: rolled.id, specVersion: rolled.specVersion, rollback: true }]);
  },
};

const rm: Command = {
  name: 'rm',
  aliases: ['remove'],
  summary: 'Remove one or more services',
  args: [servicesArgument],
  flags: [],
  details: `${serviceNote} Its tasks are stopped; volumes stay.`,
  async run(context) {
    const { results, exitCode } = await forEachService(context, context.args.positionals, async (client, ref) => {
      const removed = await client.call('service.rm', { ref });
      if (!context.json) context.print(ref);
      return { ref, id: removed.id };
    });
    if (context.json) context.printJson(results);
    return exitCode;
  },
};

const deploy: Command = {
  name: 'deploy',
  summary: 'Create or update the services of a stack file',
  args: [],
  flags: [
    { name: '--file', short: '-f', value: 'FILE', help: 'the stack file (Compose format, the subset edgectl reads)' },
    { name: '--stack', value: 'NAME', help: 'name the stack: services become NAME_<service> and --prune can find them' },
    { name: '--prune', help: "remove the stack's services that the file no longer has" },
    ...waitFlags,
  ],
  details: `The file is read and checked here first: a problem names file:line and nothing is sent. ${waitNote}\n\nExample: edgectl service deploy -f stack.yml --stack home --prune`,
  async run(context) {
    const wait = waitOptions(context);
    const file = flagValue(context.args, '--file');
    if (file === undefined) throw new UsageError('missing --file: give the stack file, e.g. -f stack.yml');
    const stackName = flagValue(context.args, '--stack');
    const stack = parseStack(await readStackFile(file), { fileName: file, ...(stackName === undefined ? {} : { stackName }) });
    if (stack.services.length > deploySpecsMax) {
      throw new EdgeError('EDGE_SPEC_TOO_LARGE', `${file} has ${stack.services.length} services; one deploy takes at most ${deploySpecsMax}: split the file`);
    }
    const client = await context.control();
    const request = { specs: stack.services.map(specToWire), prune: flagSet(context.args, '--prune'), ...(stackName === undefined ? {} : { stack: stackName }) };
    const result = await client.call('service.deploy', request, { timeoutMs: deployCallTimeoutMs });
    if (context.json) context.printJson(result);
    else {
      const verbs = [['Created', result.created], ['Updated', result.updated], ['Unchanged', result.unchanged], ['Removed', result.removed]] as const;
      for (const [verb, names] of verbs) for (const name of names) context.print(`${verb} service ${name}`);
    }
    return waitUnlessDetached(context, wait, [...result.created, ...result.updated].map((name) => ({ ref: name })));
  },
};

// ---- logs ----

type LogLine = ControlResponse<'service.logs'>['lines'][number];

function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d{1,6}$/.test(text) || Number(text) > 100_000) throw cliErrors.invalidValue('--tail', `"${text.slice(0, 80)}" is not a number of lines from 0 to 100000 (or "all")`);
  return Number(text);
}

/**
 * The lines not printed yet. edged answers with each task's retained lines,
 * oldest first, so a running count per task says which are new; with `tail`
 * only the last `tail` of each task are new (the first poll of -f --tail N).
 * A task whose log got shorter (rotated) restarts its count without printing.
 */
export function unseenLines(lines: readonly LogLine[], printedPerTask: Map<string, number>, tail?: number): LogLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.task, (totals.get(line.task) ?? 0) + 1);
  const firstNew = new Map<string, number>();
  for (const [task, total] of totals) {
    const printed = printedPerTask.get(task) ?? 0;
    firstNew.set(task, tail !== undefined ? Math.max(printed, total - tail) : total < printed ? total : printed);
    printedPerTask.set(task, total);
  }
  const seen = new Map<string, number>();
  return lines.filter((line) => {
    const index = seen.get(line.task) ?? 0;
    seen.set(line.task, index + 1);
    return index >= firstNew.get(line.task)!;
  });
}

function printLogLine(context: CommandContext, service: string, line: LogLine): void {
  const text = line.text.endsWith('\n') ? line.text.slice(0, -1) : line.text;
  if (context.json) context.print(JSON.stringify({ service, ...line, text }));
  else context.print(`${service}.${line.slot > 0 ? `${line.slot}.` : ''}${line.task.slice(0, shortIdChars)}@${line.node}    | ${text}`);
}

const logs: Command = {
  name: 'logs',
  summary: 'Show the output of the tasks of a service',
  args: [serviceArgument],
  flags: [
    { name: '--follow', short: '-f', help: 'keep printing new lines (asks edged every second) until Ctrl-C' },
    { name: '--tail', value: 'N', help: 'only the last N lines of each task ("all" by default)' },
  ],
  details: `${serviceNote} Lines read NAME.SLOT.TASK@NODE | TEXT; --json prints one JSON object per line.`,
  async run(context) {
    const tail = parseTail(flagValue(context.args, '--tail'));
    const client = await context.control();
    const inspection = await client.call('service.inspect', { ref: context.args.positionals[0]! });
    const name = inspection.spec.name;
    if (!flagSet(context.args, '--follow')) {
      const answer = await client.call('service.logs', tail === undefined ? { ref: inspection.id } : { ref: inspection.id, tailLines: tail });
      for (const line of answer.lines) printLogLine(context, name, line);
      return 0;
    }
    const printedPerTask = new Map<string, number>();
    const interruption = new Interruption();
    try {
      for (let first = true; !interruption.interrupted; first = false) {
        const answer = await interruption.race(client.call('service.logs', { ref: inspection.id }));
        if (answer === undefined) break;
        for (const line of unseenLines(answer.lines, printedPerTask, first ? tail : undefined)) printLogLine(context, name, line);
        await interruption.pause(logsPollMs);
      }
    } finally {
      interruption.dispose();
    }
    return 0;
  },
};

export const serviceCommands: CommandGroup = {
  name: 'service',
  summary: 'Manage services',
  commands: [create, deploy, inspect, logs, ls, ps, rm, rollback, scale, update],
};
