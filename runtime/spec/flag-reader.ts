/**
 * Splits a command line into flag uses and positional arguments, the way
 * Docker's flag library does: "--name value", "--name=value", "-e value",
 * "-eVALUE", "--" ends the flags. Problems (unknown flag, missing value, a
 * single-valued flag given twice) are recorded with the argument's position
 * instead of thrown, so one run reports every mistake on the line.
 */
import { nearestKey } from './key-rules.js';
import type { ProblemList, ProblemLocation } from './problem-list.js';

export interface FlagDefinition {
  /** Long name without dashes: "replicas". */
  name: string;
  /** One-letter alias without the dash: "e" for --env. */
  short?: string;
  /** False for switches like --no-healthcheck. */
  takesValue: boolean;
  /** True when the flag may be given more than once (each use adds an entry). */
  repeatable: boolean;
}

export interface FlagUse {
  /** Long name without dashes. */
  name: string;
  value: string;
  /** 0-based index in argv of the flag itself (its value may be the next argument). */
  index: number;
}

export interface Positional {
  value: string;
  index: number;
}

export interface FlagTable {
  definitions: readonly FlagDefinition[];
  /** Docker flags edgectl refuses → why, and what to do instead. */
  unsupported: Readonly<Record<string, string>>;
  /** Unsupported flags that are switches; every other unsupported flag is taken to have a value, as in Docker. */
  unsupportedSwitches: readonly string[];
  /** False: the first positional ends the flags (create: IMAGE then CMD…). True: flags may follow positionals. */
  interspersed: boolean;
}

export function flagLocation(index: number): ProblemLocation {
  return { where: `argument ${index + 1}`, line: null };
}

/** Reads argv against the table; problems go to `problems`, good uses are returned. */
export function readFlags(argv: readonly string[], table: FlagTable, problems: ProblemList): { uses: FlagUse[]; positionals: Positional[] } {
  const uses: FlagUse[] = [];
  const positionals: Positional[] = [];
  const seen = new Set<string>();
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      argv.slice(index + 1).forEach((value, offset) => positionals.push({ value, index: index + 1 + offset }));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (!table.interspersed) {
        argv.slice(index).forEach((value, offset) => positionals.push({ value, index: index + offset }));
        break;
      }
      positionals.push({ value: arg, index });
      index += 1;
      continue;
    }
    const parsed = splitFlag(arg, table);
    const definition = table.definitions.find((candidate) => candidate.name === parsed.name);
    if (definition === undefined) {
      reportUnknown(parsed.name, arg, index, table, problems);
      // Skip the value the flag most likely has, so the rest of the line is still read as meant.
      const next = argv[index + 1];
      const skipValue = parsed.inlineValue === null && next !== undefined && !next.startsWith('-') && unknownTakesValue(parsed.name, table);
      index += skipValue ? 2 : 1;
      continue;
    }
    const flagIndex = index;
    let value = parsed.inlineValue;
    if (definition.takesValue && value === null) {
      if (index + 1 >= argv.length) {
        problems.add({ code: 'EDGE_SPEC_MISSING_ARGUMENT', ...flagLocation(index), path: `--${definition.name}`, message: `--${definition.name} needs a value` });
        break;
      }
      value = argv[index + 1] ?? '';
      index += 1;
    }
    if (!definition.takesValue && value !== null && value !== 'true') {
      if (value !== 'false') {
        problems.add({ code: 'EDGE_SPEC_BAD_VALUE', ...flagLocation(flagIndex), path: `--${definition.name}`, message: `--${definition.name} is a switch; give it without a value` });
      }
      index += 1;
      continue;
    }
    if (!definition.repeatable && seen.has(definition.name)) {
      problems.add({ code: 'EDGE_SPEC_BAD_VALUE', ...flagLocation(flagIndex), path: `--${definition.name}`, message: `--${definition.name} is given more than once; give it once` });
    } else {
      uses.push({ name: definition.name, value: value ?? 'true', index: flagIndex });
    }
    seen.add(definition.name);
    index += 1;
  }
  return { uses, positionals };
}

/** "--name=x" → name, "x"; "-e" → env; "-eFOO=1" → env, "FOO=1". */
function splitFlag(arg: string, table: FlagTable): { name: string; inlineValue: string | null } {
  if (arg.startsWith('--')) {
    const equals = arg.indexOf('=');
    return equals < 0 ? { name: arg.slice(2), inlineValue: null } : { name: arg.slice(2, equals), inlineValue: arg.slice(equals + 1) };
  }
  const letter = arg.slice(1, 2);
  const definition = table.definitions.find((candidate) => candidate.short === letter);
  const rest = arg.slice(2);
  const inlineValue = rest.length === 0 ? null : rest.startsWith('=') ? rest.slice(1) : rest;
  return { name: definition?.name ?? `-${letter}`, inlineValue };
}

/** Whether an unsupported or mistyped flag probably has a value: unsupported ones as Docker defines them, typos like their nearest flag. */
function unknownTakesValue(name: string, table: FlagTable): boolean {
  if (Object.hasOwn(table.unsupported, name)) return !table.unsupportedSwitches.includes(name);
  const nearest = nearestKey(name, table.definitions.map((definition) => definition.name));
  return table.definitions.find((definition) => definition.name === nearest)?.takesValue ?? false;
}

function reportUnknown(name: string, arg: string, index: number, table: FlagTable, problems: ProblemList): void {
  const flag = name.startsWith('-') ? name : `--${name}`;
  const reason = Object.hasOwn(table.unsupported, name) ? table.unsupported[name] : undefined;
  if (reason !== undefined) {
    problems.add({ code: 'EDGE_SPEC_UNSUPPORTED_KEY', ...flagLocation(index), path: flag, message: `${flag} is not supported by edgectl (${reason})` });
    return;
  }
  const nearest = nearestKey(name, table.definitions.map((definition) => definition.name));
  const hint = nearest === null ? '' : `; did you mean --${nearest}?`;
  problems.add({ code: 'EDGE_SPEC_UNKNOWN_FLAG', ...flagLocation(index), path: flag, message: `${arg.split('=')[0] ?? arg} is not a flag of this command${hint}` });
}
