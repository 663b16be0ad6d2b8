// Help texts, laid out like the docker CLI's so Swarm users find their way:
// a Usage line, the summary, the commands or options, and where to look next.
import { formatArgument, formatFlags, globalFlags, type FlagSpec } from './args.js';
import { isGroup, type Command, type CommandEntry, type CommandGroup } from './command.js';

const programName = 'edgectl';
const versionFlag: FlagSpec = { name: '--version', help: 'print the edgectl version and exit' };

function commandList(entries: readonly { name: string; summary: string }[]): string[] {
  const sorted = [...entries].sort((left, right) => left.name.localeCompare(right.name));
  const width = Math.max(...sorted.map((entry) => entry.name.length));
  return sorted.map((entry) => `  ${entry.name.padEnd(width)}   ${entry.summary}`);
}

export function rootHelp(entries: readonly CommandEntry[]): string {
  const groups = entries.filter(isGroup);
  const commands = entries.filter((entry) => !isGroup(entry));
  return [
    `Usage: ${programName} [OPTIONS] COMMAND`,
    '',
    'Run containers on a fleet of small ARM64 boards, the Docker swarm mode way.',
    '',
    'Management commands:',
    ...commandList(groups),
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Global options:',
    ...formatFlags([...globalFlags, versionFlag]),
    '',
    `Run '${programName} COMMAND --help' for more information on a command.`,
  ].join('\n');
}

export function groupUsage(group: CommandGroup): string {
  return `Usage: ${programName} ${group.name} COMMAND`;
}

export function groupHelp(group: CommandGroup): string {
  return [
    groupUsage(group),
    '',
    group.summary,
    '',
    'Commands:',
    ...commandList(group.commands),
    '',
    `Run '${programName} ${group.name} COMMAND --help' for more information on a command.`,
  ].join('\n');
}

/** "Usage: edgectl node rm [OPTIONS] NODE..." */
export function commandUsage(path: readonly string[], command: Command): string {
  const options = command.flags.length > 0 ? ' [OPTIONS]' : '';
  const args = command.args.map(formatArgument).join(' ');
  return `Usage: ${[programName, ...path].join(' ')}${options}${args ? ` ${args}` : ''}`;
}

export function commandHelp(path: readonly string[], command: Command): string {
  const lines = [commandUsage(path, command), '', command.summary];
  if (command.aliases && command.aliases.length > 0) lines.push('', `Aliases: ${[command.name, ...command.aliases].join(', ')}`);
  if (command.flags.length > 0) lines.push('', 'Options:', ...formatFlags(command.flags));
  lines.push('', 'Global options:', ...formatFlags(globalFlags));
  if (command.details) lines.push('', command.details);
  return lines.join('\n');
}

/** What follows a usage error: the usage line and where the full help is. */
export function usageHint(usage: string, helpCommand: readonly string[]): string {
  return `${usage}\n\nRun '${[programName, ...helpCommand, '--help'].join(' ')}' for more information.`;
}
