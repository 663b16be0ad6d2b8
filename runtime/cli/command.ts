// What a command is. Each command group (swarm, node, and later service,
// volume) is one file exporting a CommandGroup; command-table.ts lists them.
// A command declares its flags and arguments, which gives it parsing, --help
// and usage errors for free, and implements `run` against a CommandContext.
import type { EdgeError } from '../common/errors.js';
import type { ArgumentSpec, FlagSpec, ParsedArgs } from './args.js';
import type { ControlClient } from './control-client.js';

/** Where text goes: process.stdout/stderr in the binary, string collectors in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** Set on terminals (process.stderr): progress may then be redrawn in place. */
  readonly isTTY?: boolean;
  /** Terminal width, when known; redrawn lines are cut to it so they do not wrap. */
  readonly columns?: number;
}

/** Everything `run` takes from the outside world, so tests can call it in-process. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: TextSink;
  stderr: TextSink;
}

export interface CommandContext {
  readonly args: ParsedArgs;
  /** --json was given: stdout carries JSON only, progress lines are silent. */
  readonly json: boolean;
  /** The control socket this command talks to (--host, EDGECTL_HOST, or the default). */
  readonly socketPath: string;
  /** The connection to edged, opened on first use and closed when the command ends. */
  control(): Promise<ControlClient>;
  /** One line (or block) of the command's result, to stdout. */
  print(text: string): void;
  /** The command's result as JSON, to stdout. */
  printJson(value: unknown): void;
  /** Progress for a person (stderr); silent under --json so scripts see only results. */
  progress(text: string): void;
  /** Set when progress goes to a terminal (not under --json, not TERM=dumb): lines may be redrawn in place. */
  readonly progressTerminal: { columns: number } | null;
  /** Progress text written as given, no newline added (for redrawing in place); silent under --json. */
  progressText(text: string): void;
  /** An error that does not stop the command (one of several nodes failed), to stderr. */
  reportError(error: EdgeError): void;
}

export interface Command {
  name: string;
  /** Other names that run the same command (Swarm users type `ls` and `list`, `rm` and `remove`). */
  aliases?: readonly string[];
  /** One line, shown in the group's command list and at the top of --help. */
  summary: string;
  args: readonly ArgumentSpec[];
  flags: readonly FlagSpec[];
  /**
   * Replaces the shared parser for a command whose flags another module reads
   * (service create/update hand docker's flags to runtime/spec). It must still
   * put the global flags (--host, --json, --help) into `flags`.
   */
  parse?(argv: readonly string[]): ParsedArgs;
  /** Extra help paragraphs (examples, notes), printed after the flags. */
  details?: string;
  /** Returns the exit code; undefined means 0. Throws EdgeError (exit 1) or UsageError (exit 2). */
  run(context: CommandContext): Promise<number | void>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly Command[];
}

export type CommandEntry = Command | CommandGroup;

export function isGroup(entry: CommandEntry): entry is CommandGroup {
  return 'commands' in entry;
}

export function commandNamed(commands: readonly Command[], word: string): Command | undefined {
  return commands.find((command) => command.name === word || (command.aliases ?? []).includes(word));
}
