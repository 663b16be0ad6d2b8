// `edgectl node ...`: list, inspect and change the nodes of the swarm, as
// `docker node ...` does. Commands that take several nodes handle each in
// turn, report the ones that fail, and exit 1 if any did.
import type { NodeView } from '../wire/messages/control.js';
import { flagSet, flagValue, flagValues, UsageError, type ArgumentSpec, type FlagSpec } from './args.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import type { ControlClient } from './control-client.js';
import { asEdgeError, cliErrors } from './errors.js';
import { labelsMax, parseChoice, parseLabel, parseLabelKey } from './flag-values.js';
import { LocalNode, selfRef } from './local-node.js';
import { nodeJson, nodePretty, nodeTable, sortedNodes } from './node-format.js';

const nodesArgument: ArgumentSpec = { name: 'NODE', required: true, variadic: true };
const nodeArgument: ArgumentSpec = { name: 'NODE', required: true };
const forceFlag: FlagSpec = { name: '--force', short: '-f', help: 'remove the node even if it is not down (it is cut off from the swarm)' };
const selfNote = `NODE is a node ID (or a unique prefix of one), a hostname, or "${selfRef}" for the node edgectl runs on.`;

/**
 * Runs `action` for each NODE in order (one at a time: promotions and
 * removals change Raft membership, which wants one change at a time).
 * Failures are reported as they happen; the exit code says whether any failed.
 */
async function forEachNode<T>(
  context: CommandContext,
  action: (client: ControlClient, ref: string, given: string) => Promise<T>,
): Promise<{ results: T[]; exitCode: number }> {
  const client = await context.control();
  const local = new LocalNode(client);
  const results: T[] = [];
  let exitCode = 0;
  for (const given of context.args.positionals) {
    try {
      results.push(await action(client, await local.resolve(given, 'NODE'), given));
    } catch (error) {
      const failure = asEdgeError(error);
      // Nothing can succeed without a connection; stop instead of repeating the same error per node.
      if (failure.code === 'EDGE_CLI_UNREACHABLE' || failure.code === 'EDGE_CLI_PERMISSION_DENIED' || failure.code === 'EDGE_CLI_CONNECTION_LOST') throw failure;
      context.reportError(failure);
      exitCode = 1;
    }
  }
  return { results, exitCode };
}

const ls: Command = {
  name: 'ls',
  aliases: ['list'],
  summary: 'List the nodes in the swarm',
  args: [],
  flags: [
    { name: '--stale', help: "answer from this manager's own copy without asking the leader (works without a quorum; may be behind)" },
    { name: '--quiet', short: '-q', help: 'print only node IDs' },
  ],
  details: 'The local node is marked with "*" after its ID. Run on a manager; workers do not hold the node list.',
  async run(context) {
    const client = await context.control();
    const stale = flagSet(context.args, '--stale');
    const [listed, info] = await Promise.all([
      client.call('node.ls', stale ? { stale: true } : {}),
      // Only for the "*" mark: a node list without it beats no list.
      new LocalNode(client).swarmInfo().catch(() => undefined),
    ]);
    const nodes = sortedNodes(listed.nodes);
    if (context.json) context.printJson(nodes.map(nodeJson));
    else if (flagSet(context.args, '--quiet')) nodes.forEach((node) => context.print(node.id));
    else context.print(nodeTable(nodes, info?.nodeId || undefined));
  },
};

const inspect: Command = {
  name: 'inspect',
  summary: 'Show details of one or more nodes (JSON unless --pretty)',
  args: [nodesArgument],
  flags: [{ name: '--pretty', help: 'print a human-readable summary instead of JSON' }],
  details: selfNote,
  async run(context) {
    const pretty = flagSet(context.args, '--pretty');
    if (pretty && context.json) throw new UsageError('--pretty and --json ask for different outputs; give one of them');
    const { results, exitCode } = await forEachNode(context, async (client, ref) => (await client.call('node.inspect', { ref })).node);
    if (pretty) {
      if (results.length > 0) context.print(results.map((node) => nodePretty(node, Date.now())).join('\n\n'));
    } else {
      context.printJson(results.map(nodeJson));
    }
    return exitCode;
  },
};

/** The node.update request the flags describe; a usage error when they describe nothing or contradict each other. */
function updateRequest(context: CommandContext): { availability?: NodeView['availability']; labelsAdd?: Record<string, string>; labelsRemove?: string[] } {
  const availabilityText = flagValue(context.args, '--availability');
  const added = flagValues(context.args, '--label-add').map((text) => parseLabel(text, '--label-add'));
  const removed = flagValues(context.args, '--label-rm').map((key) => parseLabelKey(key, '--label-rm'));
  if (availabilityText === undefined && added.length === 0 && removed.length === 0) {
    throw new UsageError('nothing to update: give --availability, --label-add or --label-rm');
  }
  if (added.length > labelsMax || removed.length > labelsMax) {
    throw cliErrors.invalidValue(added.length > labelsMax ? '--label-add' : '--label-rm', `at most ${labelsMax} labels per update`);
  }
  const both = added.find(([key]) => removed.includes(key));
  if (both) throw cliErrors.invalidValue('--label-add', `label ${both[0]} is also given to --label-rm; add it or remove it, not both`);
  return {
    ...(availabilityText === undefined ? {} : { availability: parseChoice(availabilityText, '--availability', ['active', 'pause', 'drain'] as const) }),
    ...(added.length === 0 ? {} : { labelsAdd: Object.fromEntries(added) }),
    ...(removed.length === 0 ? {} : { labelsRemove: removed }),
  };
}

const update: Command = {
  name: 'update',
  summary: "Change a node's availability or labels",
  args: [nodeArgument],
  flags: [
    { name: '--availability', value: 'STATE', help: 'active (takes tasks), pause (keeps its tasks, takes no new ones) or drain (moves its tasks away)' },
    { name: '--label-add', value: 'KEY=VALUE', repeatable: true, help: 'add or change a node label (KEY alone sets an empty value)' },
    { name: '--label-rm', value: 'KEY', repeatable: true, help: 'remove a node label' },
  ],
  details: `${selfNote}\n\nExample: edgectl node update --availability drain --label-add zone=garage pi-kitchen`,
  async run(context) {
    const request = updateRequest(context);
    const { results, exitCode } = await forEachNode(context, async (client, ref) => (await client.call('node.update', { ref, ...request })).node);
    for (const node of results) {
      if (context.json) context.printJson(nodeJson(node));
      else context.print(node.id);
    }
    return exitCode;
  },
};

function roleChange(name: 'promote' | 'demote', summary: string, done: (given: string) => string): Command {
  return {
    name,
    summary,
    args: [nodesArgument],
    flags: [],
    details: selfNote,
    async run(context) {
      const method = name === 'promote' ? 'node.promote' : 'node.demote';
      const { results, exitCode } = await forEachNode(context, async (client, ref, given) => {
        const node = (await client.call(method, { ref })).node;
        if (!context.json) context.print(done(given));
        return node;
      });
      if (context.json) context.printJson(results.map(nodeJson));
      return exitCode;
    },
  };
}

const rm: Command = {
  name: 'rm',
  aliases: ['remove'],
  summary: 'Remove one or more nodes from the swarm',
  args: [nodesArgument],
  flags: [forceFlag],
  details: `NODE is a node ID (or a unique prefix of one) or a hostname. To take the local node out, run \`edgectl swarm leave\` on it.`,
  async run(context) {
    const force = flagSet(context.args, '--force');
    if (context.args.positionals.includes(selfRef)) {
      throw cliErrors.invalidValue('NODE', `"${selfRef}" cannot be removed from here; run \`edgectl swarm leave\` on this node instead`);
    }
    const { results, exitCode } = await forEachNode(context, async (client, ref, given) => {
      const removed = await client.call('node.rm', { ref, force });
      if (!context.json) context.print(given);
      return { ref: given, id: removed.id };
    });
    if (context.json) context.printJson(results);
    return exitCode;
  },
};

export const nodeCommands: CommandGroup = {
  name: 'node',
  summary: 'Manage the nodes of the swarm',
  commands: [
    ls,
    inspect,
    update,
    roleChange('promote', 'Make one or more workers managers', (given) => `Node ${given} promoted to a manager in the swarm.`),
    roleChange('demote', 'Make one or more managers workers', (given) => `Manager ${given} demoted in the swarm.`),
    rm,
  ],
};
