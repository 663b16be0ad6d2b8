// `edgectl swarm ...`: create, join and leave a swarm, and hand out join
// tokens, with the wording and output of `docker swarm ...`. The one
// difference a Swarm user meets: the manager address of `swarm join` is
// optional, because edged finds managers on the LAN over mDNS.
import { flagSet, flagValue, UsageError, type FlagSpec } from './args.js';
import type { EdgeError } from '../common/errors.js';
import type { CaRotationView } from '../wire/messages/control.js';
import type { Command, CommandContext, CommandGroup } from './command.js';
import type { ControlClient } from './control-client.js';
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

const rotateFlag: FlagSpec = { name: '--rotate', help: 'replace the root CA: every node gets a certificate from a new root, then the old root is dropped' };
const detachFlag: FlagSpec = { name: '--detach', short: '-d', help: 'with --rotate: start the rotation and return at once (follow it with `edgectl swarm ca`)' };

/** How often `swarm ca --rotate` asks edged for progress; nodes move within seconds of the start. */
const caProgressPollMs = 1000;
/** Making a root key and its bridge certificate takes well under a second, a Raft write a few; a Pi Zero is slower. */
const caRotateWaitMs = 60_000;
/** Pending nodes named in one progress line; the rest are counted. */
const pendingNamedMax = 5;

/** "3/5 nodes have a certificate from the new root; waiting for host4 (down: bring it back or `edgectl node rm host4`)". */
export function describeCaRotation(rotation: CaRotationView): string {
  const head = `${rotation.nodesDone}/${rotation.nodesTotal} nodes have a certificate from the new root`;
  if (rotation.pending.length === 0) return `${head}; dropping the old root`;
  const named = rotation.pending.slice(0, pendingNamedMax).map((node) =>
    node.status === 'down' ? `${node.hostname} (down: bring it back or \`edgectl node rm ${node.hostname}\`)` : `${node.hostname} (${node.status})`,
  );
  const more = rotation.pending.length > pendingNamedMax ? ` and ${rotation.pending.length - pendingNamedMax} more` : '';
  return `${head}; waiting for ${named.join(', ')}${more}`;
}

/** The tokens that pin the new root, if this manager holds them (the one where the rotation started does). */
async function tokensAfterRotation(client: ControlClient): Promise<{ worker?: string; manager?: string; managerAddr?: string }> {
  const tokens: { worker?: string; manager?: string; managerAddr?: string } = {};
  for (const role of ['worker', 'manager'] as const) {
    try {
      const answer = await client.call('swarm.joinToken', { role, rotate: false });
      tokens[role] = answer.token;
      tokens.managerAddr = answer.managerAddr;
    } catch (error) {
      if ((error as EdgeError).code !== 'EDGE_TOKEN_NOT_HELD') throw error;
    }
  }
  return tokens;
}

async function rotateRootCa(context: CommandContext, client: ControlClient): Promise<void> {
  const started = await client.call('swarm.caRotate', {}, { timeoutMs: caRotateWaitMs });
  const nextShort = `sha256:${started.nextDigestHex.slice(0, 12)}…`;
  if (flagSet(context.args, '--detach')) {
    if (context.json) context.printJson(started);
    else context.print(`Root CA rotation started: new root ${nextShort}. Follow it with \`edgectl swarm ca\`.`);
    return;
  }
  context.progress(`root CA rotation started: new root ${nextShort}; every node now renews onto it`);
  let lastLine = '';
  // Local (stale) reads: the store shows the rotation gone only once its end committed, and a poll must not fail during a leader election.
  let shown = await client.call('swarm.ca', { stale: true });
  // Done when the new root is the current one (a follower may not have applied the start yet, so "no rotation" alone proves nothing).
  // No bound on the wait: a node that is down blocks the rotation until it returns or is removed, and the lines say which.
  while (shown.digestHex !== started.nextDigestHex) {
    const line = shown.rotation ? describeCaRotation(shown.rotation) : 'waiting for this manager to see the rotation';
    if (line !== lastLine) context.progress(line);
    lastLine = line;
    await new Promise((resolve) => setTimeout(resolve, caProgressPollMs));
    shown = await client.call('swarm.ca', { stale: true });
  }
  const tokens = await tokensAfterRotation(client);
  if (context.json) {
    context.printJson({ digestHex: shown.digestHex, previousDigestHex: started.previousDigestHex, ...(tokens.worker ? { workerToken: tokens.worker } : {}), ...(tokens.manager ? { managerToken: tokens.manager } : {}) });
    return;
  }
  const lines = [`Root CA rotated: every node has a certificate from the new root, and the old root is no longer trusted.`, `New root digest: sha256:${shown.digestHex}`, ''];
  if (tokens.worker && tokens.manager) {
    lines.push('The join tokens changed (tokens from before the rotation are refused).', '', ...joinInstructions('worker', tokens.worker, tokens.managerAddr ?? ''), ...joinInstructions('manager', tokens.manager, tokens.managerAddr ?? ''));
  } else {
    lines.push('The join tokens changed; this manager does not hold the new ones: run `edgectl swarm join-token worker` (and manager) on the manager where the rotation started, or make new ones with --rotate.');
  }
  context.print(lines.join('\n'));
}

const ca: Command = {
  name: 'ca',
  summary: 'Show the root CA, or rotate it',
  args: [],
  flags: [rotateFlag, detachFlag],
  details: [
    'Without flags: the root CA certificate (PEM) and its SHA-256 digest, and the progress of a rotation if one runs (--json: digest, validity, rotation).',
    'With --rotate (on a manager): a new root is made and cross-signed by the old one, every node renews onto it (links keep working meanwhile), then the old root is dropped and the join tokens change. edgectl shows progress until then, and prints the new digest and tokens.',
    'A node that is down blocks the rotation and is named in the progress: bring it back, or remove it with `edgectl node rm`. Stopping edgectl does not stop the rotation.',
  ].join('\n\n'),
  async run(context) {
    const rotate = flagSet(context.args, '--rotate');
    if (flagSet(context.args, '--detach') && !rotate) throw new UsageError('--detach only applies with --rotate');
    const client = await context.control();
    if (rotate) return rotateRootCa(context, client);
    const shown = await client.call('swarm.ca', {});
    if (context.json) {
      context.printJson(shown);
      return;
    }
    const lines = [shown.certPem.trimEnd(), `Digest: sha256:${shown.digestHex}`];
    if (shown.rotation) lines.push(`Rotation to sha256:${shown.rotation.nextDigestHex} in progress: ${describeCaRotation(shown.rotation)}`);
    context.print(lines.join('\n'));
  },
};

export const swarmCommands: CommandGroup = {
  name: 'swarm',
  summary: 'Create, join and leave a swarm',
  commands: [init, join, joinToken, leave, ca],
};
