// The whole CLI as one function: argv and streams in, exit code out. The
// binary (main.ts) calls it with the process's streams; tests call it
// in-process with collectors. Exit codes: 0 success, 1 the operation failed
// (the error says why and what to do), 2 the command line was wrong.
import { EdgeError } from '../common/errors.js';
import { version } from '../common/version.js';
import { flagSet, flagValue, parseArgs, UsageError, type FlagSpec, type ParsedArgs } from './args.js';
import { commandNamed, isGroup, type CliIo, type Command, type CommandContext, type CommandEntry } from './command.js';
import { commandTable } from './command-table.js';
import { ControlClient, defaultControlSocketPath } from './control-client.js';
import { asEdgeError, cliErrors, formatError, formatErrorJson } from './errors.js';
import { commandHelp, commandUsage, groupHelp, groupUsage, rootHelp, usageHint } from './help.js';
import { json } from './output.js';

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

const versionFlag: FlagSpec = { name: '--version', help: 'print the edgectl version and exit' };

/** Where the command words sit in argv, and what is left for the command's own parser. */
interface Located {
  /** Words that named the command, e.g. ["node", "ls"]. */
  path: string[];
  entry: CommandEntry | undefined;
  /** argv without the command words: flags and positional arguments, in order. */
  rest: string[];
  /** The usage line to print with a usage error at this point, and the --help that explains it. */
  usage: string;
  helpPath: string[];
}

/** Global flags may come before the command words (`edgectl --host X node ls`); their values are not words. */
function nextWordIndex(argv: readonly string[], from: number): number {
  for (let index = from; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--host') index++;
    else if (arg === '--') return -1;
    else if (!arg.startsWith('-')) return index;
  }
  return -1;
}

/**
 * Finds the command words in argv, filling `located` as it goes so that a
 * usage error thrown half-way still knows which usage to print.
 */
function locate(table: readonly CommandEntry[], located: Located): void {
  const rest = located.rest;
  const firstIndex = nextWordIndex(rest, 0);
  if (firstIndex < 0) return;
  const first = rest[firstIndex]!;
  const entry = table.find((candidate) => candidate.name === first);
  if (!entry) throw new UsageError(`unknown command "${first}"; see the list in 'edgectl --help'`);
  rest.splice(firstIndex, 1);
  located.path = [first];
  located.entry = entry;
  located.helpPath = [first];
  if (!isGroup(entry)) {
    located.usage = commandUsage(located.path, entry);
    return;
  }
  located.usage = groupUsage(entry);
  const secondIndex = nextWordIndex(rest, firstIndex);
  if (secondIndex < 0) return;
  const second = rest[secondIndex]!;
  const command = commandNamed(entry.commands, second);
  if (!command) throw new UsageError(`unknown command "${entry.name} ${second}"; see the list in 'edgectl ${entry.name} --help'`);
  rest.splice(secondIndex, 1);
  located.path = [entry.name, command.name];
  located.entry = command;
  located.usage = commandUsage(located.path, command);
  located.helpPath = located.path;
}

/** The socket from --host, else EDGECTL_HOST, else the packaged default. */
function socketPathOf(parsed: ParsedArgs, io: CliIo): string {
  const fromFlag = flagValue(parsed, '--host');
  if (fromFlag !== undefined) {
    if (fromFlag === '') throw cliErrors.invalidValue('--host', 'give the path of the control socket, e.g. /run/edgectl/edged.sock');
    return fromFlag;
  }
  const fromEnv = io.env.EDGECTL_HOST;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultControlSocketPath;
}

class Session implements CommandContext {
  private client: Promise<ControlClient> | undefined;
  readonly json: boolean;
  readonly socketPath: string;
  readonly progressTerminal: { columns: number } | null;

  constructor(
    readonly args: ParsedArgs,
    private readonly io: CliIo,
  ) {
    this.json = flagSet(args, '--json');
    this.socketPath = socketPathOf(args, io);
    const terminal = !this.json && io.stderr.isTTY === true && io.env.TERM !== 'dumb';
    this.progressTerminal = terminal ? { columns: io.stderr.columns ?? 80 } : null;
  }

  control(): Promise<ControlClient> {
    this.client ??= ControlClient.connect(this.socketPath);
    return this.client;
  }

  print(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.io.stdout.write(`${json(value)}\n`);
  }

  progress(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  progressText(text: string): void {
    if (!this.json) this.io.stderr.write(text);
  }

  reportError(error: EdgeError): void {
    this.io.stderr.write(`${this.json ? formatErrorJson(error) : formatError(error)}\n`);
  }

  async close(): Promise<void> {
    if (!this.client) return;
    try {
      (await this.client).close();
    } catch {
      // never connected: nothing to close
    }
  }
}

async function runCommand(located: Located, command: Command, io: CliIo): Promise<number> {
  const parsed = command.parse ? command.parse(located.rest) : parseArgs(located.rest, command.flags, command.args);
  if (flagSet(parsed, '--help')) {
    io.stdout.write(`${commandHelp(located.path, command)}\n`);
    return exitCodes.ok;
  }
  const session = new Session(parsed, io);
  try {
    return (await command.run(session)) ?? exitCodes.ok;
  } finally {
    await session.close();
  }
}

/** No command word: `edgectl`, `edgectl --help`, `edgectl --version`. */
function runRoot(located: Located, io: CliIo, table: readonly CommandEntry[]): number {
  const parsed = parseArgs(located.rest, [versionFlag], []);
  if (flagSet(parsed, '--version')) {
    io.stdout.write(flagSet(parsed, '--json') ? `${json({ version })}\n` : `edgectl version ${version}\n`);
  } else {
    io.stdout.write(`${rootHelp(table)}\n`);
  }
  return exitCodes.ok;
}

export async function run(argv: readonly string[], io: CliIo, table: readonly CommandEntry[] = commandTable): Promise<number> {
  const jsonWanted = argv.includes('--json');
  const located: Located = { path: [], entry: undefined, rest: [...argv], usage: 'Usage: edgectl [OPTIONS] COMMAND', helpPath: [] };
  try {
    locate(table, located);
    const entry = located.entry;
    if (entry === undefined) return runRoot(located, io, table);
    if (!isGroup(entry)) return await runCommand(located, entry, io);
    // A group alone (`edgectl node`) shows what it holds, as docker does.
    parseArgs(located.rest, [], []);
    io.stdout.write(`${groupHelp(entry)}\n`);
    return exitCodes.ok;
  } catch (thrown) {
    const error = asEdgeError(thrown);
    if (jsonWanted) {
      io.stderr.write(`${formatErrorJson(error)}\n`);
    } else {
      io.stderr.write(`${formatError(error)}\n`);
      if (error instanceof UsageError) io.stderr.write(`\n${usageHint(located.usage, located.helpPath)}\n`);
    }
    return error instanceof UsageError ? exitCodes.usage : exitCodes.failed;
  }
}
