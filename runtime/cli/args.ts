// Command-line parsing for edgectl: each command declares its flags and
// positional arguments; global flags (--host, --json, --help) are accepted
// anywhere. Values stay strings here; commands validate them (flag-values.ts)
// so that each error can name the flag and say what a good value looks like.
import { EdgeError } from '../common/errors.js';

export interface FlagSpec {
  /** Long name with dashes, e.g. "--advertise-addr". */
  name: string;
  /** Placeholder shown in help; absent for a boolean flag. */
  value?: string;
  help: string;
  /** May be given several times (values collected in order). */
  repeatable?: boolean;
  /** One-letter alias with its dash, e.g. "-q". */
  short?: string;
}

export interface ArgumentSpec {
  /** Shown in usage lines, e.g. "NODE". */
  name: string;
  required: boolean;
  /** Takes all remaining positional arguments (NODE...). Flags after them are still flags. */
  variadic?: boolean;
}

export interface ParsedArgs {
  /** Long flag name → values in the order given ("true" for a boolean flag). */
  flags: Map<string, string[]>;
  positionals: string[];
}

/**
 * The command line is wrong: the dispatcher prints the message, the command's
 * usage, and exits 2. `code` tells scripts which kind of mistake it was.
 */
export class UsageError extends EdgeError {
  constructor(message: string, code: string = 'EDGE_CLI_USAGE') {
    super(code, message);
    this.name = 'UsageError';
  }
}

export const hostFlag: FlagSpec = {
  name: '--host',
  value: 'SOCKET',
  help: 'control socket of the edged to talk to (env EDGECTL_HOST; default /run/edgectl/edged.sock)',
};
export const jsonFlag: FlagSpec = { name: '--json', help: 'print machine-readable JSON' };
export const helpFlag: FlagSpec = { name: '--help', short: '-h', help: 'print help for the command' };
export const globalFlags: readonly FlagSpec[] = [hostFlag, jsonFlag, helpFlag];

/** Bounds the work done on a pasted command line; no edgectl command needs more. */
export const argumentsMax = 1024;

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], args: readonly ArgumentSpec[]): ParsedArgs {
  if (argv.length > argumentsMax) throw new UsageError(`${argv.length} arguments is more than edgectl accepts (${argumentsMax}); split the work into several calls`);
  const all = [...specs, ...globalFlags];
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals >= 0 ? arg.slice(0, equals) : arg;
    const spec = all.find((candidate) => candidate.name === name || candidate.short === name);
    if (!spec) throw new UsageError(`unknown flag ${name}`);
    let value = 'true';
    if (spec.value !== undefined) {
      const next = equals >= 0 ? arg.slice(equals + 1) : argv[++index];
      if (next === undefined) throw new UsageError(`flag ${spec.name} needs a value (${spec.value})`);
      value = next;
    } else if (equals >= 0) {
      throw new UsageError(`flag ${spec.name} takes no value`);
    }
    const existing = flags.get(spec.name);
    if (existing && !spec.repeatable) throw new UsageError(`flag ${spec.name} given twice; give it once`);
    flags.set(spec.name, [...(existing ?? []), value]);
  }
  if (flags.has('--help')) return { flags, positionals };
  checkPositionals(positionals, args);
  return { flags, positionals };
}

function checkPositionals(positionals: readonly string[], args: readonly ArgumentSpec[]): void {
  const required = args.filter((spec) => spec.required).length;
  if (positionals.length < required) {
    const missing = args.slice(positionals.length).filter((spec) => spec.required).map((spec) => spec.name);
    throw new UsageError(`missing ${missing.join(' ')}`);
  }
  if (!args.some((spec) => spec.variadic) && positionals.length > args.length) {
    throw new UsageError(`unexpected argument "${positionals[args.length]}"`);
  }
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

/** "NODE...", "[MANAGER_ADDR]": how an argument appears in a usage line. */
export function formatArgument(spec: ArgumentSpec): string {
  const name = spec.variadic ? `${spec.name}...` : spec.name;
  return spec.required ? name : `[${name}]`;
}

export function formatFlags(specs: readonly FlagSpec[]): string[] {
  return specs.map((spec) => {
    const left = `${spec.short ? `${spec.short}, ` : '    '}${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
    const help = spec.repeatable ? `${spec.help} (repeatable)` : spec.help;
    return `  ${left.padEnd(30)} ${help}`;
  });
}
