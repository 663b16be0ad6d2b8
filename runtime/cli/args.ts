// Command-line parsing for edgectl: a tree of commands, each with its own
// flags and positional arguments, `--help` everywhere, and errors that name
// the flag and show the usage. Values are strings; commands validate them.
import { EdgeError } from '../common/errors.js';

export interface FlagSpec {
  /** Long name with dashes, e.g. "--advertise-addr". */
  name: string;
  /** Placeholder shown in help; absent for a boolean flag. */
  value?: string;
  help: string;
  /** May be given several times (values collected in order). */
  repeatable?: boolean;
  short?: string;
}

export interface ArgumentSpec {
  name: string;
  required: boolean;
  /** Takes all remaining arguments. */
  variadic?: boolean;
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positionals: string[];
}

export class UsageError extends EdgeError {
  constructor(message: string, readonly usage: string) {
    super('EDGE_CLI_USAGE', message);
  }
}

export const globalFlags: FlagSpec[] = [
  { name: '--host', value: 'SOCKET', help: 'control socket of the edged to talk to (env EDGECTL_HOST; default /run/edgectl/edged.sock)' },
  { name: '--json', help: 'print machine-readable JSON' },
  { name: '--help', short: '-h', help: 'print help for the command' },
];

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], args: readonly ArgumentSpec[], usage: string): ParsedArgs {
  const all = [...specs, ...globalFlags];
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      // After the first positional of a variadic command (e.g. IMAGE CMD...), flags belong to the command inside.
      if (args.some((spec) => spec.variadic) && positionals.length >= args.length) onlyPositionals = true;
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = all.find((candidate) => candidate.name === name || candidate.short === name);
    if (!spec) throw new UsageError(`unknown flag ${name}`, usage);
    let value = 'true';
    if (spec.value !== undefined) {
      const next = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (next === undefined) throw new UsageError(`flag ${spec.name} needs a value (${spec.value})`, usage);
      value = next;
    } else if (eq >= 0) {
      throw new UsageError(`flag ${spec.name} takes no value`, usage);
    }
    const existing = flags.get(spec.name);
    if (existing && !spec.repeatable) throw new UsageError(`flag ${spec.name} given twice`, usage);
    flags.set(spec.name, [...(existing ?? []), value]);
  }
  if (flags.has('--help')) return { flags, positionals };
  const required = args.filter((spec) => spec.required).length;
  if (positionals.length < required) {
    const missing = args.slice(positionals.length).filter((spec) => spec.required).map((spec) => spec.name);
    throw new UsageError(`missing ${missing.join(' ')}`, usage);
  }
  if (!args.some((spec) => spec.variadic) && positionals.length > args.length) {
    throw new UsageError(`unexpected argument "${positionals[args.length]}"`, usage);
  }
  return { flags, positionals };
}

export function flagValue(parsed: ParsedArgs, name: string): string | undefined {
  const values = parsed.flags.get(name);
  return values?.[values.length - 1];
}

export function flagValues(parsed: ParsedArgs, name: string): string[] {
  return parsed.flags.get(name) ?? [];
}

export function flagSet(parsed: ParsedArgs, name: string): boolean {
  return parsed.flags.has(name);
}

export function formatFlags(specs: readonly FlagSpec[]): string[] {
  return specs.map((spec) => {
    const left = `${spec.short ? `${spec.short}, ` : ''}${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
    return `  ${left.padEnd(30)} ${spec.help}`;
  });
}
