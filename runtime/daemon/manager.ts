// A manager: a Raft member holding the cluster store, the certificate
// authority (its key is in the store), the join endpoint, and the control
// operations that change the cluster. Writes happen on the leader; a follower
// forwards them there over its link to the leader.
import { nodeCrypto } from '../common/builtin.js';
import { join } from 'node:path';
import { EdgeError } from '../common/errors.js';
import { CertificateAuthority } from '../pki/certificate-authority.js';
import type { NodeCredentials } from '../pki/credentials-store.js';
import { JoinTokenRegistry } from '../pki/join-token-registry.js';
import { RaftCore, lanDefaults, type Message } from '../raft/core/index.js';
import { forceNewCluster, type ForcedCluster } from '../raft/force-new-cluster.js';
import { RaftNode } from '../raft/node.js';
import { openFileStorage, type FileStorage } from '../raft/storage/index.js';
import type { ApplyResult } from '../store/apply.js';
import { acceptedTokenDigestsHex, caDirective, rootDigestHex, signingCa } from '../store/ca-rotation.js';
import { decodeCommand, encodeCommand, type Command } from '../store/commands.js';
import { managers, nodeByRaftId, type ClusterState, type NodeRecord } from '../store/state.js';
import { ClusterStore } from '../store/store.js';
import type { PeerIdentity } from '../transport/authorization.js';
import type { Link } from '../transport/link.js';
import type { ManagerAddress } from '../wire/messages/cluster.js';
import type { NodeCertificateReport } from '../store/state.js';
import type { RaftMessageBody } from '../wire/messages/raft.js';
import type { NodeContext } from './context.js';
import type { NodeIdentity } from './identity.js';
import { Dispatcher } from './dispatcher.js';
import { GossipDriver } from './gossip-driver.js';
import { RootRotationDriver } from './root-rotation-driver.js';
import { LeaderLoop } from './orchestration.js';
import { readTaskLogs, startNodeAgent, type LogLine, type NodeAgentParts } from './node-agent.js';
import { NodeNetwork } from './node-network.js';
import { raftBodyOf, raftMessageOf } from './raft-transport.js';

export interface ManagerStart {
  context: NodeContext;
  identity: NodeIdentity;
  credentials: NodeCredentials;
  /** A new cluster: Raft starts with this node as its only voter. */
  bootstrap: boolean;
  /** The managers named in the join answer, before the store has them. */
  seedManagers: ManagerAddress[];
}

/** A fresh certificate for a member, with what to trust and present alongside it. */
export interface RenewAnswer {
  certPem: string;
  /** The roots to trust (two during a root rotation). */
  caPem: string;
  /** What to present after the certificate (see CaDirective.chainPem). */
  chainPem: string;
  role: 'manager' | 'worker';
  raftId: number;
  managers: ManagerAddress[];
}

export interface JoinRequest {
  token: string;
  csrPem: string;
  hostname: string;
  addr: string;
  labels: Record<string, string>;
  platform: { os: string; arch: string };
  board: string;
  memoryBytes: number;
  allocatableBytes?: number;
  cores: number;
}

/** Milliseconds per Raft tick; the core's timeouts are in ticks (lanDefaults: election after 5–10). */
export const raftTickMs = 100;
/** A write forwarded to the leader must be applied within this time or not at all. */
export const forwardTimeoutMs = 4000;
/** A node in the store that gossip never heard of is called down after this long. */
export const unseenGraceMs = 10_000;
/** How often the leader compares the store's node status with gossip's view. */
export const statusSyncIntervalMs = 200;

export { newId as newNodeId } from './ids.js';
import { newId as newNodeId } from './ids.js';

function failed(result: unknown): EdgeError | undefined {
  const applied = result as ApplyResult | undefined;
  if (applied && applied.ok === false) return new EdgeError(applied.code, applied.message);
  return undefined;
}

/**
 * Quorum-loss recovery on disk: makes this manager's Raft state that of a
 * one-voter cluster holding everything its log holds, and records in the
 * store that the other managers lost their membership. Runs while no
 * ManagerRuntime has the directory open; the next start reads the result.
 */
export async function rewriteAsNewCluster(context: NodeContext, identity: NodeIdentity, options: { certValidityMs?: number } = {}): Promise<ForcedCluster> {
  const storage = await openFileStorage({ dir: join(context.config.dataDir, 'raft') });
  try {
    return await forceNewCluster({
      storage,
      self: identity.raftId,
      stateMachine: new ClusterStore(),
      recoveryEntry: () => encodeCommand({ op: 'cluster.forceNewCluster', survivorId: identity.nodeId, atMs: Math.floor(context.time.nowMs()), ...options }),
      checkRecoveryResult: (result) => {
        const error = failed(result);
        if (error) throw new EdgeError('EDGE_SWARM_FORCE_REFUSED', `this node's own copy of the cluster state refuses it as the surviving manager: ${error.message}; nothing was changed`);
      },
    });
  } finally {
    await storage.close();
  }
}

export class ManagerRuntime {
  readonly store = new ClusterStore();
  readonly network: NodeNetwork;
  raft!: RaftNode;
  private storage: FileStorage | undefined;
  gossip!: GossipDriver;
  dispatcher!: Dispatcher;
  private leaderLoop: LeaderLoop | undefined;
  private rootRotation: RootRotationDriver | undefined;
  private agentParts: NodeAgentParts | undefined;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private statusWriteInFlight = false;
  /** Store nodes gossip has not heard of, and since when (this leader's clock). */
  private readonly unseenSince = new Map<string, number>();
  private readonly seeds: Map<number, ManagerAddress>;
  /** Nodes whose session is served here, and what their last answer said (see nudgeChangedSessions). */
  private readonly sessions = new Map<string, { link: Link; answered: string }>();
  readonly context: NodeContext;
  private stopped = false;

  private constructor(private readonly start: ManagerStart) {
    this.context = start.context;
    this.seeds = new Map(start.seedManagers.map((manager) => [manager.raftId, manager]));
    this.network = new NodeNetwork(start.context, start.credentials, { acceptJoiners: true, clusterId: start.identity.clusterId });
  }

  static async start(options: ManagerStart): Promise<ManagerRuntime> {
    const runtime = new ManagerRuntime(options);
    await runtime.open();
    return runtime;
  }

  get identity(): NodeIdentity {
    return this.start.identity;
  }

  get state(): Readonly<ClusterState> {
    return this.store.state;
  }

  /** Node id of the current leader, or '' when none is known. */
  leaderNodeId(): string {
    const leader = this.raft.leader;
    if (leader === 0) return '';
    return nodeByRaftId(this.store.state, leader)?.id ?? this.seeds.get(leader)?.nodeId ?? '';
  }

  private async open(): Promise<void> {
    const { context, identity } = this.start;
    const storage = await openFileStorage({ dir: join(context.config.dataDir, 'raft') });
    this.storage = storage;
    let recovered = await storage.recover();
    const fresh = recovered.entries.length === 0 && recovered.snapshot === null && recovered.hardState.term === 0;
    if (fresh && this.start.bootstrap) recovered = await RaftNode.bootstrap(storage, [identity.raftId]);
    else if (fresh) recovered = RaftCore.emptyState();
    this.raft = new RaftNode({
      config: lanDefaults(identity.raftId),
      storage,
      recovered,
      stateMachine: this.store,
      send: (message) => this.sendRaft(message),
      rng: context.rng,
      tickMs: raftTickMs,
      log: context.log,
      onLeaderChange: (leader, term) => {
        context.log(`raft: term ${term}, leader ${leader === 0 ? 'unknown' : leader === identity.raftId ? 'this node' : `raft id ${leader}`}`);
        // A new leader reconciles at once rather than waiting for the next change.
        this.leaderLoop?.wake();
      },
    });
    const router = this.network.router;
    router.on('raft.message', (body, { peer }) => this.receiveRaft(body as RaftMessageBody, peer));
    router.handle('cluster.join', async (body, { peer }) => {
      const request = body as JoinRequest;
      try {
        return await this.onLeader('cluster.join', body, () => this.admit(request));
      } catch (error) {
        const edge = error as EdgeError;
        this.context.log(`refused the join of ${request.hostname} from ${peer.nodeId}: ${edge.code ?? 'error'}: ${edge.message}`);
        throw error;
      }
    });
    router.handle('cluster.session', (body, { peer, link }) => this.openSession(peer, link, body as { addr: string; cert?: NodeCertificateReport; caKnown?: string }));
    router.handle('cluster.renew', (body, { peer }) => this.renew(peer.nodeId, (body as { csrPem: string }).csrPem));
    router.handle('cluster.forward', (body, { peer }) => {
      this.refuseLostManager(peer.nodeId);
      return this.runForwarded(body as { method: string; body: unknown; expiresAtMs: number });
    });
    this.store.onChange((state) => this.followState(state));
    const listening = await this.network.listen();
    this.raft.start();
    if (fresh && this.start.bootstrap) this.raft.core.campaign();
    this.gossip = new GossipDriver({
      context,
      identity,
      network: this.network,
      addressOf: (nodeId) => this.store.state.nodes[nodeId]?.addr,
      datagramsOn: listening,
      // A verdict reaches the store now rather than at the next status tick: replacements for a dead node start sooner.
      onEvent: (event) => {
        if (event.kind !== 'suspect' && event.kind !== 'updated') setImmediate(() => this.syncNodeStatus());
      },
    });
    this.gossip.start(this.managerAddresses().map((manager) => manager.addr));
    this.statusTimer = setInterval(() => {
      this.syncNodeStatus();
      this.nudgeChangedSessions();
    }, statusSyncIntervalMs);
    this.dispatcher = new Dispatcher(this);
    router.on('dispatcher.hello', (body, { peer, link }) => {
      if ((body as { nodeId: string }).nodeId !== peer.nodeId) return;
      const endpoint = { assign: (assignment: unknown) => link.notify('dispatcher.assign', assignment) };
      this.dispatcher.attach(peer.nodeId, endpoint);
      link.onClose(() => this.dispatcher.detach(peer.nodeId, endpoint));
    });
    router.handle('node.logs', async (body) => {
      const request = body as { taskIds: string[]; tailLines: number };
      return { lines: this.agentParts ? await readTaskLogs(this.agentParts.executor, request.taskIds, request.tailLines) : [] };
    });
    router.on('dispatcher.status', (body, { peer }) => this.dispatcher.report(peer.nodeId, (body as { updates: never[] }).updates));
    this.leaderLoop = new LeaderLoop(this);
    this.leaderLoop.start();
    this.rootRotation = new RootRotationDriver(this);
    this.store.onChange(() => this.leaderLoop?.wake());
    await this.startLocalAgent();
  }

  /** Output of tasks, from whichever nodes ran them (this one included). */
  async taskLogs(tasks: readonly { id: string; nodeId: string }[], tailLines: number): Promise<LogLine[]> {
    const byNode = new Map<string, string[]>();
    for (const task of tasks) if (task.nodeId) byNode.set(task.nodeId, [...(byNode.get(task.nodeId) ?? []), task.id]);
    const lines: LogLine[] = [];
    for (const [nodeId, taskIds] of byNode) {
      if (nodeId === this.identity.nodeId) {
        if (this.agentParts) lines.push(...(await readTaskLogs(this.agentParts.executor, taskIds, tailLines)));
        continue;
      }
      const node = this.store.state.nodes[nodeId];
      if (!node || node.status !== 'ready') continue;
      try {
        const link = await this.network.peers.ready(node.addr, 3000);
        const answer = (await link.request('node.logs', { taskIds, tailLines }, { timeoutMs: 10_000 })) as { lines: LogLine[] };
        lines.push(...answer.lines);
      } catch (error) {
        this.context.log(`logs from ${node.hostname} unavailable: ${(error as Error).message}`);
      }
    }
    return lines;
  }

  /** A manager runs tasks too; its agent talks to this manager's dispatcher directly. */
  private async startLocalAgent(): Promise<void> {
    const self = this.identity.nodeId;
    const endpoint = {
      assign: (body: unknown) => {
        const agent = this.agentParts?.agent;
        if (agent) void agent.onAssign(body as never).catch((error: Error) => this.context.log(`agent: ${error.message}`));
      },
    };
    this.agentParts = await startNodeAgent(this.context, self, (topic, body) => {
      if (topic === 'dispatcher.hello') this.dispatcher.attach(self, endpoint);
      else if (topic === 'dispatcher.status') this.dispatcher.report(self, (body as { updates: never[] }).updates);
    });
    this.agentParts?.agent.onSessionOpen();
  }

  /**
   * On the leader: the store's node status follows this manager's gossip
   * view (alive → ready, dead or left → down). A periodic comparison rather
   * than event handling, so a new leader repairs whatever the old one missed.
   */
  private syncNodeStatus(): void {
    if (!this.raft.isLeader || this.statusWriteInFlight) return;
    const view = new Map(this.gossip.members().map((member) => [member.member, member]));
    const nowMs = Math.floor(this.context.time.nowMs());
    const changes: Command[] = [];
    for (const node of Object.values(this.store.state.nodes)) {
      const member = view.get(node.id);
      if (!member) {
        // Not heard of over gossip yet: give a new or restarted node time to announce itself, then call it down.
        const firstMissingMs = this.unseenSince.get(node.id) ?? nowMs;
        this.unseenSince.set(node.id, firstMissingMs);
        if (node.status !== 'down' && node.id !== this.identity.nodeId && nowMs - firstMissingMs > unseenGraceMs) {
          changes.push({ op: 'node.status', id: node.id, status: 'down', message: `not heard of over gossip for ${Math.round(unseenGraceMs / 1000)} s`, atMs: nowMs });
        }
        continue;
      }
      this.unseenSince.delete(node.id);
      let status: 'ready' | 'down' | undefined;
      let message = '';
      if (member.status === 'alive') [status, message] = ['ready', 'alive (gossip)'];
      else if (member.status === 'dead') [status, message] = ['down', 'failed gossip probes'];
      else if (member.status === 'left') [status, message] = ['down', 'left the cluster'];
      if (status && status !== node.status) changes.push({ op: 'node.status', id: node.id, status, message, atMs: nowMs });
    }
    if (changes.length === 0) return;
    this.statusWriteInFlight = true;
    Promise.all(changes.map((command) => this.write(command)))
      .then(() => {
        for (const change of changes) if (change.op === 'node.status') this.context.log(`node ${change.id} is ${change.status}: ${change.message}`);
      })
      .catch((error: Error) => this.context.log(`could not record node status: ${error.message}`))
      .finally(() => {
        this.statusWriteInFlight = false;
      });
  }

  /**
   * Stops every part and closes the Raft storage. A leader first hands its
   * leadership to another voter, unless `handOver` is false (a forced new
   * cluster is about to drop the other voters anyway).
   */
  async stop(options: { handOver?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if ((options.handOver ?? true) && this.raft.isLeader && this.raft.status().voters.length > 1) {
      try {
        this.raft.transferLeadership();
        await new Promise((resolve) => setTimeout(resolve, 3 * raftTickMs));
      } catch (error) {
        this.context.log(`leadership transfer before shutdown failed: ${(error as Error).message}`);
      }
    }
    clearInterval(this.statusTimer);
    await this.agentParts?.agent.stop();
    await this.agentParts?.executor.close();
    this.leaderLoop?.stop();
    this.rootRotation?.stop();
    this.dispatcher?.stop();
    this.gossip?.stop();
    await this.raft.stop();
    await this.storage?.close();
    await this.network.stop();
  }

  /** Keeps the deny list and the set of dialed managers in line with the store. */
  private followState(state: ClusterState): void {
    for (const id of state.denied.nodeIds) this.network.denyList.denyNode(id);
    for (const serial of state.denied.serials) this.network.denyList.denySerial(serial);
  }

  private addressOfRaftId(raftId: number): string | undefined {
    return nodeByRaftId(this.store.state, raftId)?.addr ?? this.seeds.get(raftId)?.addr;
  }

  private raftIdOfNode(nodeId: string): number | undefined {
    const node = this.store.state.nodes[nodeId];
    if (node) return node.raftId;
    for (const seed of this.seeds.values()) if (seed.nodeId === nodeId) return seed.raftId;
    return undefined;
  }

  private lastDropNote = 0;

  /** Logs at most one dropped-message line every few seconds (a flood must not fill the SD card). */
  private noteDropped(what: string): void {
    const nowMs = Date.now();
    if (nowMs - this.lastDropNote < 5000) return;
    this.lastDropNote = nowMs;
    this.context.log(`dropped ${what}`);
  }

  private sendRaft(message: Message): void {
    const address = this.addressOfRaftId(message.to);
    if (!address) return;
    const link = this.network.linkTo(nodeByRaftId(this.store.state, message.to)?.id ?? this.seeds.get(message.to)?.nodeId, address);
    if (!link) {
      this.noteDropped(`raft message to ${message.to}: no open link to ${address} yet`);
      return; // being dialed; Raft retries on its own schedule
    }
    try {
      link.notify('raft.message', raftBodyOf(message));
    } catch {
      // A full queue: Raft resends what matters.
    }
  }

  private receiveRaft(body: RaftMessageBody, peer: PeerIdentity): void {
    const expected = this.raftIdOfNode(peer.nodeId);
    // The certificate says who sent it: a manager cannot speak for another Raft id.
    if (expected === 0 && this.store.state.nodes[peer.nodeId]?.role === 'manager') {
      // A manager left out of a forced new cluster, back up: whatever term it carries, it must not reach the core.
      this.noteDropped(`raft messages from ${this.store.state.nodes[peer.nodeId]!.hostname} (${peer.nodeId}, was raft id ${body.from}): it is no longer a Raft member since a forced new cluster; demote or remove it`);
      return;
    }
    if (expected === undefined || expected !== body.from || body.to !== this.identity.raftId) {
      this.noteDropped(`raft message from ${peer.nodeId} (raft id ${expected ?? 'unknown'}) claiming ${body.from} → ${body.to}`);
      return;
    }
    let message: Message;
    try {
      message = raftMessageOf(body);
    } catch (error) {
      this.context.log(`dropped a raft message from ${peer.nodeId}: ${(error as Error).message}`);
      return;
    }
    this.raft.step(message);
  }

  // ---- reads and writes -------------------------------------------------

  /** The state for a read: linearizable (confirmed by a quorum) unless `stale`. */
  async read(stale: boolean): Promise<Readonly<ClusterState>> {
    if (!stale) await this.raft.readBarrier();
    return this.store.state;
  }

  /** Applies a command through Raft (forwarded to the leader when this node is not it). */
  async write(command: Command): Promise<unknown> {
    return this.onLeader('store.propose', { command: encodeCommand(command) }, async () => {
      const result = await this.raft.propose(encodeCommand(command));
      const error = failed(result);
      if (error) throw error;
      return (result as { value?: unknown }).value ?? null;
    });
  }

  /**
   * Runs `action` here when this node leads; otherwise sends `method` to the
   * leader, which runs the same thing. One hop only: a forwarded call that
   * lands on a non-leader fails as retryable rather than bouncing around.
   */
  async onLeader(method: string, body: unknown, action: () => Promise<unknown>): Promise<unknown> {
    if (this.raft.isLeader) return action();
    const leader = this.raft.leader;
    const address = leader === 0 ? undefined : this.addressOfRaftId(leader);
    if (!address) throw new EdgeError('EDGE_CLUSTER_NO_LEADER', 'no leader is known right now (an election may be running, or a majority of managers is down): retry in a few seconds; if that majority is lost for good, run `edgectl swarm init --force-new-cluster` on a surviving manager', { retryable: true });
    const link = await this.network.peers.ready(address);
    // Shorter than a link's heartbeat timeout: a forward stuck behind a cut link expires before TCP can deliver it after the heal.
    const timeoutMs = forwardTimeoutMs;
    const expiresAtMs = Math.floor(this.context.time.nowMs()) + timeoutMs;
    const answer = (await link.request('cluster.forward', { method, body, expiresAtMs }, { timeoutMs })) as { body: unknown };
    return answer.body;
  }

  /** Handlers that may run on the leader for a follower, keyed by method. */
  private readonly forwardable = new Map<string, (body: unknown) => Promise<unknown>>([
    ['cluster.join', (body) => this.admit(body as JoinRequest)],
    [
      'store.propose',
      async (body) => {
        const command = decodeCommand((body as { command: Uint8Array }).command);
        if (!command) throw new EdgeError('EDGE_CLUSTER_BAD_FORWARD', 'a forwarded write carried no command');
        return this.write(command);
      },
    ],
  ]);

  /** Lets the control API register what followers may forward. */
  registerForwardable(method: string, handler: (body: unknown) => Promise<unknown>): void {
    this.forwardable.set(method, handler);
  }

  /** A manager left out of a forced new cluster acts on a stale copy of the state: its calls are not run here. */
  private refuseLostManager(nodeId: string): void {
    const node = this.store.state.nodes[nodeId];
    if (node?.role !== 'manager' || node.raftId !== 0) return;
    throw new EdgeError('EDGE_CLUSTER_NOT_MEMBER', `${node.hostname} is no longer a Raft member (a new cluster was forced without it), so it cannot forward calls: run them on a current manager, and remove ${node.hostname} and join it again`);
  }

  private async runForwarded(request: { method: string; body: unknown; expiresAtMs: number }): Promise<{ body: unknown }> {
    if (this.context.time.nowMs() > request.expiresAtMs) {
      throw new EdgeError('EDGE_CLUSTER_FORWARD_EXPIRED', `a forwarded ${request.method} arrived after its caller gave up (a partition?); it was not applied: retry if still wanted`);
    }
    if (!this.raft.isLeader) throw new EdgeError('EDGE_CLUSTER_NOT_LEADER', 'this manager stopped leading while the call was on its way: retry', { retryable: true });
    const handler = this.forwardable.get(request.method);
    if (!handler) throw new EdgeError('EDGE_CLUSTER_BAD_FORWARD', `cannot forward ${request.method}`);
    return { body: (await handler(request.body)) ?? null };
  }

  /** A node (re)connected: tell it the managers and the time; note a new address. */
  private openSession(peer: PeerIdentity, link: Link, body: { addr: string; cert?: NodeCertificateReport; caKnown?: string }): unknown {
    const node = this.store.state.nodes[peer.nodeId];
    const nowMs = this.context.time.nowMs();
    const note = (what: string) => (error: Error) => this.context.log(`could not record ${what} of ${peer.nodeId}: ${error.message}`);
    if (node && node.addr !== body.addr) void this.write({ op: 'node.addr', id: node.id, addr: body.addr }).catch(note('the address'));
    // Written only when it changed: the report comes with every session refresh, a Raft entry would not.
    // Taken on the node's word (over its own verified link): a node can only misreport itself, which can only lock it out after a rotation.
    if (node && body.cert && (node.tls?.serial !== body.cert.serial || node.tls.rootDigestHex !== body.cert.rootDigestHex)) {
      void this.write({ op: 'node.tls', id: node.id, tls: { serial: body.cert.serial, rootDigestHex: body.cert.rootDigestHex } }).catch(note('the certificate'));
    }
    const role = node?.role ?? 'worker';
    const keys = this.sessionKeys();
    // A node that redialed while its old link lingers gets a close listener for the new link too.
    if (this.sessions.get(peer.nodeId)?.link !== link) link.onClose(() => this.sessions.get(peer.nodeId)?.link === link && this.sessions.delete(peer.nodeId));
    this.sessions.set(peer.nodeId, { link, answered: `${role} ${keys.answer}` });
    const leader = this.leaderNodeId();
    const state = this.store.state;
    // The directive carries certificates (~2 KB): only to a node that does not hold it yet.
    const caFresh = state.ca.certPem && body.caKnown !== keys.ca ? { ca: caDirective(state), caKey: keys.ca } : {};
    return { clusterId: state.clusterId, ...(leader ? { leader } : {}), managers: this.managerAddresses(), ...caFresh, role, clusterTimeMs: Math.max(0, Math.floor(nowMs)) };
  }

  /**
   * Short keys for what a session answer says: `ca` names the CA directive
   * by its signing root and whether a rotation runs (not by its
   * certificates), `answer` everything every node is told. Cheap enough for
   * the status tick.
   */
  private sessionKeys(): { ca: string; answer: string } {
    const state = this.store.state;
    const signingRoot = state.caRotation?.nextDigestHex ?? (state.ca.certPem ? rootDigestHex(state) : '');
    const ca = `${signingRoot}/${state.caRotation ? 'rotating' : 'settled'}`;
    return { ca, answer: `${this.leaderNodeId() ?? ''} ${ca} ${JSON.stringify(this.managerAddresses())}` };
  }

  /**
   * Nodes with a session here whose answer would now differ (a promotion, a
   * new leader or manager, a CA rotation step) are told to ask again, so they
   * need not poll often.
   */
  private nudgeChangedSessions(): void {
    if (this.sessions.size === 0) return;
    const key = this.sessionKeys().answer;
    for (const [nodeId, session] of this.sessions) {
      const answered = `${this.store.state.nodes[nodeId]?.role ?? 'worker'} ${key}`;
      if (answered === session.answered) continue;
      session.answered = answered;
      try {
        session.link.notify('cluster.sessionChanged', {});
      } catch {
        // A link that cannot take it is closing; the node opens a new session anyway.
      }
    }
  }

  /**
   * A fresh certificate for a member, with the role the store gives it. Any
   * manager can sign (the CA key is in the store); the new serial is recorded
   * through the leader.
   */
  async renew(nodeId: string, csrPem: string): Promise<RenewAnswer> {
    const state = this.store.state;
    const node = state.nodes[nodeId];
    if (!node) throw new EdgeError('EDGE_NODE_NOT_FOUND', `node ${nodeId} is not a member (removed?): join again with a token`);
    // During a root rotation the new root signs: renewing is how a node moves to it.
    const directive = caDirective(state);
    const ca = await CertificateAuthority.fromPem(signingCa(state), this.context.time);
    const certPem = await ca.issueNodeCertificate({ csrPem, nodeId, role: node.role, ...(state.certValidityMs > 0 ? { validityMs: state.certValidityMs } : {}) });
    const serial = new (nodeCrypto().X509Certificate)(certPem).serialNumber.toLowerCase();
    try {
      await this.write({ op: 'node.cert', id: nodeId, serial });
    } catch (error) {
      // Recording the serial helps a later removal refuse it; the node id is refused anyway, so a demoted manager cut off from the leader may go on.
      this.context.log(`certificate ${serial} for ${nodeId} issued but not recorded: ${(error as Error).message}`);
    }
    return { certPem, caPem: directive.trustPem, chainPem: directive.chainPem, role: node.role, raftId: node.role === 'manager' ? node.raftId : 0, managers: this.managerAddresses() };
  }

  /** Watches for this node's own demotion in the store. */
  onOwnRoleChange(listener: (role: 'manager' | 'worker') => void): void {
    // React to a transition seen in this store, not to a state: a promoted
    // manager replaying the log first sees its old worker record.
    let seen: 'manager' | 'worker' | undefined;
    this.store.onChange((state) => {
      const role = state.nodes[this.identity.nodeId]?.role;
      if (role === undefined) return;
      if (seen === 'manager' && role === 'worker' && this.identity.role === 'manager') listener(role);
      seen = role;
    });
  }

  // ---- joining ----------------------------------------------------------

  managerAddresses(): ManagerAddress[] {
    // Managers left out of a forced new cluster (Raft id 0) are no use to a worker or a new manager.
    const known = managers(this.store.state)
      .filter((node) => node.raftId !== 0)
      .map((node) => ({ nodeId: node.id, raftId: node.raftId, addr: node.addr }));
    return known.length > 0 ? known : [...this.seeds.values()];
  }

  /** On the leader: checks the token, signs the node's certificate, records the node, adds a manager to Raft. */
  private async admit(request: JoinRequest): Promise<unknown> {
    const state = this.store.state;
    const directive = caDirective(state);
    const ca = await CertificateAuthority.fromPem(signingCa(state), this.context.time);
    // During a root rotation the tokens still pin the old root; they are replaced when it finishes.
    const role = new JoinTokenRegistry(state.tokens).roleForToken(request.token, acceptedTokenDigestsHex(state));
    const nodeId = newNodeId();
    const certPem = await ca.issueNodeCertificate({ csrPem: request.csrPem, nodeId, role, ...(state.certValidityMs > 0 ? { validityMs: state.certValidityMs } : {}) });
    const serial = new (nodeCrypto().X509Certificate)(certPem).serialNumber.toLowerCase();
    const nowMs = this.context.time.nowMs();
    const node: NodeRecord = {
      id: nodeId,
      hostname: request.hostname,
      role,
      raftId: 0,
      addr: request.addr,
      labels: { ...request.labels },
      availability: 'active',
      // Ready once gossip hears from it (syncNodeStatus): a node that dies while joining must not look alive.
      status: 'unknown',
      statusMessage: 'joined; waiting for it to gossip',
      statusChangedAtMs: nowMs,
      certSerials: [serial],
      tls: { serial, rootDigestHex: ca.digestHex },
      platform: request.platform,
      board: request.board,
      memoryBytes: request.memoryBytes,
      allocatableBytes: request.allocatableBytes ?? request.memoryBytes,
      cores: request.cores,
      joinedAtMs: nowMs,
    };
    const { raftId } = (await this.write({ op: 'node.add', node })) as { raftId: number };
    if (role === 'manager') await this.raft.addMember(raftId);
    this.context.log(`admitted ${role} ${request.hostname} as node ${nodeId}${raftId ? ` (raft id ${raftId})` : ''} from ${request.addr}`);
    return {
      nodeId,
      clusterId: state.clusterId,
      role,
      certPem,
      caPem: directive.trustPem,
      chainPem: directive.chainPem,
      raftId,
      managers: this.managerAddresses(),
      clusterTimeMs: Math.max(0, Math.floor(nowMs)),
    };
  }
}
