// Every command edgectl has. A new command group (service, volume) is one
// file exporting a CommandGroup, plus one line here; parsing, --help and
// usage errors come with it.
import type { CommandEntry } from './command.js';
import { nodeCommands } from './node-commands.js';
import { serviceCommands } from './service-commands.js';
import { swarmCommands } from './swarm-commands.js';
import { infoCommand, versionCommand } from './system-commands.js';

export const commandTable: readonly CommandEntry[] = [swarmCommands, nodeCommands, serviceCommands, infoCommand, versionCommand];
