// `edgectl swarm ...`: create, join and leave a swarm, and hand out join
// tokens, with the wording and output of `docker swarm ...`. The one
// difference a Swarm user meets: the manager address of `swarm join` is
// optional, because edged finds managers on the LAN over mDNS.
import { flagSet, flagValue, UsageError, type FlagSpec } from './args.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import { cliErrors } from './errors.js';
import { describeDuration, parseChoice, parseDuration, parseJoinToken, parseNodeAddress } from './flag-values.js';

/** Node certificates shorter than an hour would be renewing all the time; Swarm has the same floor. */
const certExpiryMsMin = 3_600_000;
/** Ten years: past that, a lost board's certificate is valid for longer than anyone remembers the board. */
const certExpiryMsMax = 3650 * 86_400_000;
/** How long `swarm join` waits by default: mDNS, a TLS handshake and a Raft write take seconds, not minutes. */
const joinWaitMsDefault = 60_000;
const joinWaitMsMin = 1000;
const joinWaitMsMax = 3_600_000;
/** The answer to a join may arrive a little after edged gives up; wait that much longer than edged does. */
const joinAnswerMarginMs = 10_000;
/** Creating a CA and the first Raft log takes a few seconds on a Pi Zero 2 W. */
const initWaitMs = 120_000;
/** Leaving a Raft group waits for the membership change to commit. */
const leaveWaitMs = 60_000;
/** A join that is still waiting says so this often, so a person knows it is not stuck. */
const joinProgressIntervalMs = 10_000;

const lanNote = 'On the same LAN the manager address can be left out: edged finds managers over mDNS.';

function joinInstructions(role: 'worker' | 'manager', token: string, managerAddr: string): string[] {
  return [`To add a ${role} to this swarm, run the following command:`, '', `    edgectl swarm join --token ${token} ${managerAddr}`.trimEnd(), ''];
}

const init: Command = {
  name: 'init',
  summary: 'Create a swarm with this node as its first manager',
  args: [],
  flags: [
    { name: '--advertise-addr', value: 'ADDR', help: 'address other nodes reach this one at (IP or IP:PORT; default port 4270)' },
    { name: '--cert-expiry', value: 'DURATION', help: 'validity of node certificates, e.g. 90d or 2160h (1h to 3650d; default chosen by edged)' },
    { name: '--force-new-cluster', help: 'start a new single-manager swarm from this manager\'s state (recovery after losing quorum)' },
  ],
  details: [
    'Prints the commands that add workers and managers. Run it once, on the first board.',
    '',
    'Recovery: when a majority of the managers is lost for good (writes fail with EDGE_CLUSTER_NO_LEADER), run',
    '`edgectl swarm init --force-new-cluster` on a surviving manager. It restarts the cluster from that manager\'s',
    'state, with it as the only manager: services, nodes, tokens and the CA are kept, workers reconnect, and the lost',
    'managers show as down until you demote or remove them (`edgectl node demote`, `edgectl node rm`). Then promote',
    'workers to get back to 3 or 5 managers. A lost manager that comes back is not a member any more: remove it and',
    'join it again. On a cluster that still has a quorum it works too, and says so: the other managers are dropped.',
  ].join('\n'),
  async run(context) {
    const advertiseText = flagValue(context.args, '--advertise-addr');
    const expiryText = flagValue(context.args, '--cert-expiry');
    const request = {
      ...(advertiseText === undefined ? {} : { advertiseAddr: parseNodeAddress(advertiseText, '--advertise-addr') }),
      ...(expiryText === undefined ? {} : { certExpiryMs: parseDuration(expiryText, '--cert-expiry', { minMs: certExpiryMsMin, maxMs: certExpiryMsMax }) }),
      ...(flagSet(context.args, '--force-new-cluster') ? { forceNewCluster: true } : {}),
    };
    const client = await context.control();
    const created = await client.call('swarm.init', request, { timeoutMs: initWaitMs });
    if (context.json) {
      context.printJson(created);
      return;
    }
    if (created.warning) context.progress(`Warning: ${created.warning}`);
    // After a forced new cluster the tokens stay valid, but only the manager that made them can print them.
    const instructions = (role: 'worker' | 'manager', token: string) =>
      token ? joinInstructions(role, token, created.addr) : [`The ${role} join token is unchanged; this manager cannot print it: \`edgectl swarm join-token --rotate ${role}\` makes a new one.`, ''];
    context.print(
      [
        `Swarm initialized: current node (${created.nodeId}) is now a manager.`,
        '',
        ...instructions('worker', created.workerToken),
        ...instructions('manager', created.managerToken),
        lanNote,
      ].join('\n'),
    );
  },
};

/** Tells a person waiting on a join that something is happening; returns the function that stops it. */
function joinProgress(context: CommandContext, manager: string | undefined): () => void {
  context.progress(manager === undefined ? 'looking for managers on the LAN (mDNS)…' : `contacting manager ${manager}…`);
  const startedMs = Date.now();
  const timer = setInterval(() => context.progress(`still joining (${Math.round((Date.now() - startedMs) / 1000)} s)…`), joinProgressIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

const join: Command = {
  name: 'join',
  summary: 'Join this node to a swarm',
  args: [{ name: 'MANAGER_ADDR', required: false }],
  flags: [
    { name: '--token', value: 'TOKEN', help: 'join token from `edgectl swarm join-token worker|manager` (required)' },
    { name: '--timeout', value: 'DURATION', help: `how long to look for managers and wait for admission (default ${describeDuration(joinWaitMsDefault)})` },
  ],
  details: `MANAGER_ADDR is IP or IP:PORT of a manager (default port 4270). ${lanNote}`,
  async run(context) {
    const tokenText = flagValue(context.args, '--token');
    if (tokenText === undefined) throw new UsageError('missing --token: copy the command `edgectl swarm join-token worker` prints on a manager');
    const token = parseJoinToken(tokenText, '--token');
    const addressText = context.args.positionals[0];
    const manager = addressText === undefined ? undefined : parseNodeAddress(addressText, 'MANAGER_ADDR');
    const timeoutText = flagValue(context.args, '--timeout');
    const timeoutMs = timeoutText === undefined ? joinWaitMsDefault : parseDuration(timeoutText, '--timeout', { minMs: joinWaitMsMin, maxMs: joinWaitMsMax });
    const client = await context.control();
    const stopProgress = joinProgress(context, manager);
    const request = { token, timeoutMs, ...(manager === undefined ? {} : { manager }) };
    const joined = await client.call('swarm.join', request, { timeoutMs: timeoutMs + joinAnswerMarginMs }).finally(stopProgress);
    if (context.json) context.printJson(joined);
    else context.print(`This node joined a swarm as a ${joined.role} (node ${joined.nodeId}, through manager ${joined.manager}).`);
  },
};

const joinToken: Command = {
  name: 'join-token',
  summary: 'Show or rotate the join token for workers or managers',
  args: [{ name: 'worker|manager', required: true }],
  flags: [
    { name: '--quiet', short: '-q', help: 'print only the token' },
    { name: '--rotate', help: 'replace the token; the old one stops working (nodes already joined are not affected)' },
  ],
  async run(context) {
    const role = parseChoice(context.args.positionals[0]!, 'worker|manager', ['worker', 'manager'] as const);
    const rotate = flagSet(context.args, '--rotate');
    const client = await context.control();
    const answer = await client.call('swarm.joinToken', { role, rotate });
    if (context.json) context.printJson(answer);
    else if (flagSet(context.args, '--quiet')) context.print(answer.token);
    else context.print([...(rotate ? [`Successfully rotated ${role} join token.`, ''] : []), ...joinInstructions(role, answer.token, answer.managerAddr), lanNote].join('\n'));
  },
};

const leave: Command = {
  name: 'leave',
  summary: 'Take this node out of the swarm',
  args: [],
  flags: [{ name: '--force', short: '-f', help: 'leave even if this is a manager whose departure costs the swarm its quorum' }],
  async run(context) {
    const client = await context.control();
    const answer = await client.call('swarm.leave', { force: flagSet(context.args, '--force') }, { timeoutMs: leaveWaitMs });
    if (context.json) context.printJson(answer);
    else context.print(answer.left ? 'Node left the swarm.' : 'This node is not part of a swarm; nothing to leave.');
  },
};

const rotateFlag: FlagSpec = { name: '--rotate', help: 'replace the root CA and re-issue every node certificate' };

const ca: Command = {
  name: 'ca',
  summary: 'Show or rotate the root CA (not supported by edged yet)',
  args: [],
  flags: [rotateFlag],
  details: 'edged has no control method for the root CA yet, so this command always fails with EDGE_CLI_UNSUPPORTED.',
  async run(context) {
    throw cliErrors.unsupported(flagSet(context.args, '--rotate') ? 'rotating the root CA (edgectl swarm ca --rotate)' : 'showing the root CA (edgectl swarm ca)');
  },
};

export const swarmCommands: CommandGroup = {
  name: 'swarm',
  summary: 'Create, join and leave a swarm',
  commands: [init, join, joinToken, leave, ca],
};
