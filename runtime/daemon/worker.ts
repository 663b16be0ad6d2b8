// A worker: it keeps one session with some manager (any will do; writes are
// forwarded to the leader there), learns the current managers from each
// session, and serves gossip and, later, its tasks.
import type { NodeCredentials } from '../pki/credentials-store.js';
import { ReconnectingLink } from '../transport/reconnecting-link.js';
import type { Link } from '../transport/link.js';
import type { ManagerAddress } from '../wire/messages/cluster.js';
import type { NodeContext } from './context.js';
import type { NodeIdentity } from './identity.js';
import { GossipDriver } from './gossip-driver.js';
import { NodeNetwork } from './node-network.js';
import { readTaskLogs, startNodeAgent, type NodeAgentParts } from './node-agent.js';
import { certificateReport } from './credentials-follower.js';
import type { CaDirective } from '../store/ca-rotation.js';

/**
 * How often a worker refreshes its session (managers list, role, cluster
 * time) unprompted. Changes come sooner: the manager sends
 * `cluster.sessionChanged` when the answer would differ, so this is a safety
 * net and costs an idle worker ~20 B/s.
 */
export const sessionPollMs = 30_000;

export interface SessionAnswer {
  clusterId: string;
  role: 'manager' | 'worker';
  leader?: string;
  managers: ManagerAddress[];
  clusterTimeMs: number;
  /** Absent while the node already holds it (see `caKnown`), and from managers that predate root rotation. */
  ca?: CaDirective;
  caKey?: string;
}

export class WorkerRuntime {
  readonly network: NodeNetwork;
  private managers: ManagerAddress[];
  private nextManager = 0;
  private session: ReconnectingLink | undefined;
  gossip!: GossipDriver;
  leaderNodeId = '';
  connectedTo = '';
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private roleListener: ((role: 'manager' | 'worker') => void) | undefined;
  private caListener: ((directive: CaDirective) => void) | undefined;
  /** The CA directive this node last received, and its key: the manager sends it again only when it changed. */
  private caHeld: { directive: CaDirective; key: string | undefined } | undefined;

  private constructor(private readonly context: NodeContext, readonly identity: NodeIdentity, credentials: NodeCredentials, managers: ManagerAddress[]) {
    this.managers = managers;
    this.network = new NodeNetwork(context, credentials, { acceptJoiners: false, clusterId: identity.clusterId });
  }

  static async start(context: NodeContext, identity: NodeIdentity, credentials: NodeCredentials, managers: ManagerAddress[]): Promise<WorkerRuntime> {
    const runtime = new WorkerRuntime(context, identity, credentials, managers);
    const listening = await runtime.network.listen();
    runtime.network.router.handle('node.logs', async (body) => {
      const request = body as { taskIds: string[]; tailLines: number };
      return { lines: runtime.agentParts ? await readTaskLogs(runtime.agentParts.executor, request.taskIds, request.tailLines) : [] };
    });
    runtime.network.router.on('cluster.sessionChanged', (_body, { link }) => {
      if (link === runtime.session?.current) void runtime.openSession(link);
    });
    runtime.network.router.on('dispatcher.assign', (body) => {
      const agent = runtime.agentParts?.agent;
      if (agent) void agent.onAssign(body as never).catch((error: Error) => context.log(`agent: ${error.message}`));
    });
    runtime.gossip = new GossipDriver({
      context,
      identity,
      network: runtime.network,
      addressOf: (nodeId) => runtime.managers.find((manager) => manager.nodeId === nodeId)?.addr,
      datagramsOn: listening,
    });
    runtime.gossip.start(managers.map((manager) => manager.addr));
    // Gossip first: a board must be known alive before its containers take a second to start.
    runtime.agentParts = await startNodeAgent(context, identity.nodeId, (topic, body) => {
      const link = runtime.session?.current;
      if (!link) throw new Error('no session with a manager');
      link.notify(topic, body);
    });
    runtime.session = new ReconnectingLink({
      dial: () => runtime.dialSomeManager(),
      rng: context.rng,
      backoff: { baseMs: 100, maxMs: 5000 },
      onLink: (link) => void runtime.openSession(link),
      onRetry: (error, delayMs) => context.log(`no session with a manager (${error.message}); retrying in ${delayMs} ms`),
    });
    // The session is also how a worker hears of its promotion and of new managers.
    runtime.pollTimer = setInterval(() => {
      const link = runtime.session?.current;
      if (link) void runtime.openSession(link);
    }, sessionPollMs);
    return runtime;
  }

  get knownManagers(): readonly ManagerAddress[] {
    return this.managers;
  }

  /** The open session link, if any: the agent's way to the cluster. */
  sessionLink(): Link | undefined {
    return this.session?.current;
  }

  /** Graceful: tell the cluster (gossip "left") before going. */
  async leave(): Promise<void> {
    await this.gossip.leave();
  }

  /** Called when the store says this node is now a manager (promote). */
  onOwnRoleChange(listener: (role: 'manager' | 'worker') => void): void {
    this.roleListener = listener;
  }

  /** Called with every session answer's CA directive (how a worker follows a root rotation). */
  onCaDirective(listener: (directive: CaDirective) => void): void {
    this.caListener = listener;
  }

  /** Refreshes the session now, e.g. to report a certificate just saved instead of at the next poll. */
  async refreshSession(): Promise<void> {
    const link = this.session?.current;
    if (link) await this.openSession(link);
  }

  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    await this.agentParts?.agent.stop();
    await this.agentParts?.executor.close();
    this.gossip?.stop();
    this.session?.stop();
    await this.network.stop();
  }

  /** Tries the known managers in turn, so one dead manager does not keep the node out. */
  private dialSomeManager(): Promise<Link> {
    if (this.managers.length === 0) return Promise.reject(new Error('no manager address known: re-join with a token'));
    const manager = this.managers[this.nextManager++ % this.managers.length]!;
    return this.network.dial(manager.addr);
  }

  private announced = false;
  private agentParts: NodeAgentParts | undefined;
  /** The link the agent was last told is its session. */
  private agentLink: Link | undefined;

  /** The agent hears of each new session once, and of its loss. */
  private tellAgent(link: Link): void {
    const agent = this.agentParts?.agent;
    if (!agent || this.agentLink === link) return;
    this.agentLink = link;
    agent.onSessionOpen();
    link.onClose(() => {
      if (this.agentLink === link) {
        this.agentLink = undefined;
        agent.onSessionLost();
      }
    });
  }

  private async openSession(link: Link): Promise<void> {
    try {
      const cert = certificateReport(this.network.heldCredentials);
      const caKnown = this.caHeld?.key;
      const answer = (await link.request('cluster.session', { addr: this.identity.addr, ...(cert ? { cert } : {}), ...(caKnown ? { caKnown } : {}) })) as SessionAnswer;
      if (answer.managers.length > 0) this.managers = answer.managers;
      this.leaderNodeId = answer.leader ?? '';
      this.connectedTo = link.peer.nodeId;
      this.context.time.learnClusterTime(answer.clusterTimeMs, link.rttMs || 0);
      if (this.connectedTo !== link.peer.nodeId || !this.announced) this.context.log(`session open with manager ${link.peer.nodeId}; ${answer.managers.length} manager(s) known`);
      this.announced = true;
      if (answer.role !== this.identity.role) this.roleListener?.(answer.role);
      if (answer.ca) this.caHeld = { directive: answer.ca, key: answer.caKey };
      // Every answer, even one that left the directive out: following it again is how a failed renewal retries.
      if (this.caHeld) this.caListener?.(this.caHeld.directive);
      this.tellAgent(link);
    } catch (error) {
      this.context.log(`session with ${link.peer.nodeId} failed: ${(error as Error).message}`);
      link.close('session failed');
    }
  }
}
