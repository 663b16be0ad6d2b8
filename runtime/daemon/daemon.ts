// edged as a whole: the control socket, and the node's life in a cluster —
// inactive, joining, active as a manager or a worker. It picks the runtime
// from what is on disk at start, and serves the control API.
import { nodeCrypto } from '../common/builtin.js';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../common/atomic-file.js';
import { EdgeError } from '../common/errors.js';
import { systemClock } from '../common/clock.js';
import { systemRng } from '../common/rng.js';
import { version } from '../common/version.js';
import { detectHostBoard } from '../boards/detect.js';
import { CertificateAuthority } from '../pki/certificate-authority.js';
import { createNodeKeyAndRequest } from '../pki/certificate-request.js';
import { NodeCredentialsStore, type NodeCredentials } from '../pki/credentials-store.js';
import { JoinTokenRegistry } from '../pki/join-token-registry.js';
import { parseJoinToken } from '../pki/join-token.js';
import { renewalAtMs } from '../pki/renewal.js';
import { TrustedTime } from '../pki/trusted-time.js';
import { Router } from '../transport/link.js';
import { wireCodec } from '../transport/wire-codec.js';
import type { ManagerAddress } from '../wire/messages/cluster.js';
import type { Advertiser } from '../discovery/index.js';
import { certificateSha256Hex, certificatesFromPem } from '../pki/pem.js';
import { resolveAdvertiseAddr } from './addresses.js';
import type { DaemonConfig } from './config.js';
import type { NodeContext } from './context.js';
import { ControlServer } from './control-server.js';
import { installLeaderOperations, registerControlHandlers } from './control-handlers.js';
import { installServiceOperations, registerServiceHandlers } from './service-handlers.js';
import { newId as newNodeId } from './ids.js';
import { loadIdentity, saveIdentity, type NodeIdentity } from './identity.js';
import { savePendingTokens, saveTokens, savedToken, type SavedTokens, type TokenPair } from './saved-tokens.js';
import type { ManagerFinder } from './join.js';
import { CaFollower } from './ca-follower.js';
import { certificateReport, credentialsFromAnswer } from './credentials-follower.js';
import { registerCaHandlers } from './ca-handlers.js';
import { caDirective, rootDigestHex } from '../store/ca-rotation.js';
// The runtimes (Raft, gossip, containers…) load only once the node is in a cluster: an idle board pays for none of it.
import type { ManagerRuntime, RenewAnswer } from './manager.js';
import type { ForcedCluster } from '../raft/force-new-cluster.js';
import type { WorkerRuntime } from './worker.js';

export type DaemonState = 'inactive' | 'joining' | 'active' | 'error';

export interface InitRequest {
  advertiseAddr?: string;
  certExpiryMs?: number;
  forceNewCluster?: boolean;
}

export interface InitAnswer {
  nodeId: string;
  clusterId: string;
  addr: string;
  /** Empty when this manager does not hold the printable token (a forced new cluster on another manager than the one that made it). */
  workerToken: string;
  managerToken: string;
  /** Something the person should know (e.g. a cluster forced while it still had a quorum). */
  warning?: string;
}

export interface DaemonOptions {
  config: DaemonConfig;
  log?: (line: string) => void;
  /** Discovery of managers for auto-join and address-less `swarm join`. */
  finder?: ManagerFinder;
}

/** How often a manager compares its credentials with the store's CA even when the store is quiet. */
const caFollowIntervalMs = 3000;

function platformFacts(config: DaemonConfig, log: (line: string) => void): NodeContext['platform'] {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  try {
    const board = detectHostBoard();
    // Detected facts as labels a placement constraint can name (node.labels.board == pi4b); they override configured labels of the same name.
    const labels = { board: config.board || board.board, arch, memory: board.labels.memory };
    return { os: 'linux', arch, board: labels.board, memoryBytes: board.memoryBytes, allocatableBytes: board.allocatableMemoryBytes, cores: board.cores, hostname: config.hostname || osHostname(), labels };
  } catch (error) {
    log(`board detection failed (${(error as Error).message}); using generic facts`);
    return { os: process.platform, arch, board: config.board || 'unknown', memoryBytes: 0, allocatableBytes: 0, cores: 1, hostname: config.hostname || osHostname(), labels: { arch } };
  }
}

/** Finds managers of the token's CA on the advertise address's LAN. */
function mdnsManagerFinder(context: NodeContext): ManagerFinder {
  return async (caDigestHex, timeoutMs) => {
    const host = context.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const { findManagers } = await import('../discovery/index.js');
    const peers = await findManagers({ caDigestPrefix: caDigestHex, timeoutMs, interfaceAddress: host, log: (line) => context.log(`mdns: ${line}`) });
    return peers.map((peer) => (peer.addresses[0]!.includes(':') ? `[${peer.addresses[0]}]:${peer.port}` : `${peer.addresses[0]}:${peer.port}`));
  };
}

/** Refusals no retry can fix: the token itself is wrong for this cluster. */
const tokenRefusals = new Set(['EDGE_PKI_TOKEN_INVALID', 'EDGE_PKI_TOKEN_MALFORMED', 'EDGE_PKI_TOKEN_WRONG_CA', 'EDGE_PKI_CA_MISMATCH']);


export class Daemon {
  state: DaemonState = 'inactive';
  stateMessage = 'not part of a cluster: run `edgectl swarm init` or `edgectl swarm join`';
  manager: ManagerRuntime | undefined;
  worker: WorkerRuntime | undefined;
  readonly context: NodeContext;
  private readonly control: ControlServer;
  private readonly router = new Router();
  private autoJoinTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly finder: ManagerFinder;
  private advertiser: Advertiser | undefined;
  private stopping = false;
  private readonly caFollower: CaFollower;
  private caFollowTimer: ReturnType<typeof setInterval> | undefined;
  private certReportInFlight = false;
  private advertisedRootDigestHex = '';
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: DaemonOptions) {
    const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
    const time = new TrustedTime({ clock: systemClock, log });
    this.context = {
      config: options.config,
      log,
      time,
      rng: systemRng,
      codec: wireCodec(),
      advertiseAddr: resolveAdvertiseAddr(options.config.advertiseAddr, options.config.listenAddr),
      platform: platformFacts(options.config, log),
    };
    this.finder = options.finder ?? mdnsManagerFinder(this.context);
    registerControlHandlers(this.router, this);
    registerServiceHandlers(this.router, this);
    registerCaHandlers(this.router, this);
    this.caFollower = new CaFollower({
      context: this.context,
      dataDir: options.config.dataDir,
      network: () => this.manager?.network ?? this.worker?.network,
      renew: () => this.renewCertificate(),
      report: () => this.reportCertificate(),
    });
    this.control = new ControlServer(options.config.controlSocket, this.context.codec, this.router);
  }

  get identity(): NodeIdentity | undefined {
    return this.manager?.identity ?? this.worker?.identity;
  }

  get dataDir(): string {
    return this.options.config.dataDir;
  }

  async start(): Promise<void> {
    await this.control.listen();
    const identity = loadIdentity(this.dataDir);
    if (identity) {
      const credentials = await new NodeCredentialsStore(this.dataDir).load();
      if (!credentials) throw new EdgeError('EDGE_DAEMON_IDENTITY_CORRUPT', `${this.dataDir} has a node identity but no credentials: remove the data dir and join again`);
      await this.activate(identity, credentials, false, []);
      this.context.log(`edged ${version}: ${identity.role} ${identity.nodeId} of cluster ${identity.clusterId}, listening on ${this.context.config.listenAddr}`);
    } else if (this.options.config.joinToken) {
      this.context.log(`edged ${version}: not in a cluster; joining with the configured token`);
      void this.autoJoin(0);
    } else {
      this.context.log(`edged ${version}: not in a cluster; waiting for swarm init or join (control socket ${this.options.config.controlSocket})`);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.autoJoinTimer);
    clearTimeout(this.renewalTimer);
    clearInterval(this.caFollowTimer);
    this.caFollower.stop();
    await this.advertiser?.stop();
    await this.manager?.stop();
    await this.worker?.stop();
    await this.control.close();
  }

  /** Auto-join on boot: retry with backoff until it works or the token is refused. */
  private async autoJoin(attempt: number): Promise<void> {
    if (this.stopping || this.identity) return;
    try {
      await this.join(this.options.config.joinToken, this.options.config.manager || undefined, 5000);
    } catch (error) {
      const edge = error as EdgeError;
      const fatal = tokenRefusals.has(edge.code ?? '');
      this.state = fatal ? 'error' : 'joining';
      this.stateMessage = `auto-join: ${edge.message}`;
      const delayMs = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)) * (0.5 + this.context.rng.next() / 2);
      this.context.log(`auto-join failed: ${edge.message}${fatal ? ' (fix the token in the config; still retrying slowly)' : ''}; next try in ${Math.round(delayMs)} ms`);
      this.autoJoinTimer = setTimeout(() => void this.autoJoin(attempt + 1), fatal ? 60_000 : delayMs);
    }
  }

  private async activate(identity: NodeIdentity, credentials: NodeCredentials, bootstrap: boolean, managers: ManagerAddress[]): Promise<void> {
    if (identity.role === 'manager') {
      const { ManagerRuntime } = await import('./manager.js');
      this.manager = await ManagerRuntime.start({ context: this.context, identity, credentials, bootstrap, seedManagers: managers });
      installLeaderOperations(this.manager);
      await installServiceOperations(this.manager);
      this.manager.onOwnRoleChange((role) => void this.switchRole(role));
      this.followStoreCa(this.manager);
    } else {
      const known = managers.length > 0 ? managers : this.savedManagers();
      const { WorkerRuntime } = await import('./worker.js');
      this.worker = await WorkerRuntime.start(this.context, identity, credentials, known);
      this.worker.onOwnRoleChange((role) => void this.switchRole(role));
      this.worker.onCaDirective((directive) => this.caFollower.follow(directive));
    }
    this.state = 'active';
    this.stateMessage = `${identity.role} of cluster ${identity.clusterId}`;
    if (identity.role === 'manager') void this.advertise(identity, credentials.caBundlePem);
    this.scheduleRenewal(credentials.certPem);
  }

  private switching = false;

  /**
   * Promote or demote, seen from the node: get a certificate for the new role,
   * keep it, and restart the runtime in that role. A worker asks a manager
   * over its session; a manager signs its own (the CA key is in its store).
   */
  async switchRole(role: 'manager' | 'worker'): Promise<void> {
    const identity = this.identity;
    if (!identity || identity.role === role || this.switching || this.stopping) return;
    this.switching = true;
    try {
      const { keyPem, csrPem } = await this.newKeyAndRequest(identity);
      let answer: RenewAnswer;
      if (this.manager) {
        // Keep voting until Raft has removed this member: leaving first could strand a two-manager cluster.
        const manager = this.manager;
        const started = Date.now();
        const stillMember = (): boolean => {
          const status = manager.raft.status();
          // A removed member stops hearing from the leader and may never see its removal commit: losing the leader ends the wait too.
          return (status.voters.includes(identity.raftId) || status.learners.includes(identity.raftId)) && status.leader !== 0;
        };
        if (stillMember()) this.context.log(`demoted: waiting for Raft to remove this member (raft id ${identity.raftId})`);
        while (stillMember() && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await manager.renew(identity.nodeId, csrPem);
      } else {
        answer = await this.renewThroughSession(csrPem);
      }
      if (answer.role !== role) return;
      const credentials = credentialsFromAnswer(keyPem, answer);
      const next: NodeIdentity = { ...identity, role, raftId: answer.raftId };
      await new NodeCredentialsStore(this.dataDir).save(credentials);
      await saveIdentity(this.dataDir, next);
      await this.saveManagers(answer.managers);
      await this.advertiser?.stop();
      this.advertiser = undefined;
      await this.manager?.stop();
      await this.worker?.stop();
      this.manager = undefined;
      this.worker = undefined;
      // A demoted manager's Raft log belongs to a membership it left; a promoted one starts empty and learns from the leader.
      rmSync(join(this.dataDir, 'raft'), { recursive: true, force: true });
      await this.activate(next, credentials, false, answer.managers.filter((manager) => manager.nodeId !== identity.nodeId));
      this.context.log(`this node is now a ${role}${role === 'manager' ? ` (raft id ${answer.raftId})` : ''}`);
    } catch (error) {
      this.context.log(`could not become ${role} yet: ${(error as Error).message}; retrying in a few seconds`);
      setTimeout(() => void this.switchRole(role), 3000).unref();
    } finally {
      this.switching = false;
    }
  }

  private renewalTimer: ReturnType<typeof setTimeout> | undefined;

  private async newKeyAndRequest(identity: NodeIdentity): Promise<{ keyPem: string; csrPem: string }> {
    const host = identity.addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return createNodeKeyAndRequest({ hostname: this.context.platform.hostname, addresses: [host] });
  }

  private async renewThroughSession(csrPem: string): Promise<RenewAnswer> {
    const link = this.worker?.sessionLink();
    if (!link) throw new EdgeError('EDGE_LINK_UNREACHABLE', 'no session with a manager', { retryable: true });
    return (await link.request('cluster.renew', { csrPem }, { timeoutMs: 15_000 })) as RenewAnswer;
  }

  /**
   * Node certificates renew themselves at a random point between 50 % and
   * 80 % of their life (spread so a fleet does not renew at once): a new key,
   * a new certificate, new links from then on. A failure retries in a minute.
   */
  private scheduleRenewal(certPem: string, chosenAtMs?: number): void {
    clearTimeout(this.renewalTimer);
    const leaf = certificatesFromPem(certPem, "this node's certificate")[0]!;
    const nowMs = this.context.time.nowMs();
    let atMs = chosenAtMs ?? renewalAtMs(leaf, this.context.rng);
    // notBefore is backdated for clock skew; on a short-lived certificate that can put the window in the past. Then 50–80 % of what is left.
    if (chosenAtMs === undefined && atMs <= nowMs) atMs = nowMs + (Date.parse(leaf.validTo) - nowMs) * (0.5 + 0.3 * this.context.rng.next());
    // setTimeout holds at most ~24.8 days; a longer wait re-arms on the way, keeping the chosen moment.
    const delayMs = Math.max(0, Math.min(atMs - nowMs, 20 * 24 * 3600 * 1000));
    this.renewalTimer = setTimeout(() => {
      // Timers and the (cluster-corrected) clock disagree by a little: within a second is on time.
      if (atMs - this.context.time.nowMs() > 1000) return this.scheduleRenewal(certPem, atMs);
      void this.renewCertificate().catch((error: Error) => {
        this.context.log(`certificate renewal failed: ${error.message}; retrying soon`);
        const leftMs = Date.parse(leaf.validTo) - this.context.time.nowMs();
        this.renewalTimer = setTimeout(() => this.scheduleRenewal(certPem, this.context.time.nowMs()), Math.max(1000, Math.min(60_000, leftMs / 10)));
        this.renewalTimer.unref();
      });
    }, delayMs);
    this.renewalTimer.unref();
  }

  /** Replaces this node's key and certificate, keeping its role. One renewal at a time: the lifetime timer and a root rotation may both ask. */
  renewCertificate(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const identity = this.identity;
    if (!identity) return;
    const { keyPem, csrPem } = await this.newKeyAndRequest(identity);
    const answer = this.manager ? await this.manager.renew(identity.nodeId, csrPem) : await this.renewThroughSession(csrPem);
    const credentials = credentialsFromAnswer(keyPem, answer);
    await new NodeCredentialsStore(this.dataDir).save(credentials);
    (this.manager?.network ?? this.worker?.network)?.updateCredentials(credentials);
    const leaf = new (nodeCrypto().X509Certificate)(answer.certPem);
    this.context.log(`certificate renewed: serial ${leaf.serialNumber.toLowerCase()}, issued by ${leaf.issuer.replace(/\n/g, ', ')}, valid until ${leaf.validTo}`);
    this.scheduleRenewal(credentials.certPem);
    await this.reportCertificate();
  }

  /**
   * Tells the cluster which certificate this node holds, once it is saved and
   * in use: a root rotation counts a node as moved only then. A worker says
   * it in its session; a manager writes it (only when it changed).
   */
  private async reportCertificate(): Promise<void> {
    if (this.worker) return this.worker.refreshSession();
    const manager = this.manager;
    const own = manager?.state.nodes[manager.identity.nodeId];
    if (!manager || !own || this.certReportInFlight) return;
    const report = certificateReport(manager.network.heldCredentials);
    if (!report || (own.tls?.serial === report.serial && own.tls.rootDigestHex === report.rootDigestHex)) return;
    this.certReportInFlight = true;
    try {
      await manager.write({ op: 'node.tls', id: own.id, tls: report });
    } finally {
      this.certReportInFlight = false;
    }
  }

  /** A manager follows the CA in its own store: at each change, and now and then when the store is quiet. */
  private followStoreCa(manager: ManagerRuntime): void {
    const follow = (): void => {
      if (this.manager !== manager) return;
      const state = manager.state;
      // Still replaying the log: an intermediate state is no reason to change credentials or to report.
      if (!state.ca.certPem || state.appliedIndex < manager.raft.core.commitIndex) return;
      this.caFollower.follow(caDirective(state));
      void this.reportCertificate().catch((error: Error) => this.context.log(`could not report this node's certificate: ${error.message}`));
      if (this.advertiser && rootDigestHex(state) !== this.advertisedRootDigestHex) void this.readvertise(manager.identity, state.ca.certPem);
    };
    manager.store.onChange(follow);
    clearInterval(this.caFollowTimer);
    this.caFollowTimer = setInterval(follow, caFollowIntervalMs);
    this.caFollowTimer.unref();
  }

  /** After a root rotation, mDNS must name the new root: joiners look for managers by the digest their token pins. */
  private async readvertise(identity: NodeIdentity, rootPem: string): Promise<void> {
    const previous = this.advertiser;
    this.advertiser = undefined;
    await previous?.stop();
    await this.advertise(identity, rootPem);
  }

  /** Managers announce themselves on the LAN so boards with a token find them (a hint: joiners verify the CA). */
  private async advertise(identity: NodeIdentity, caPem: string): Promise<void> {
    const { createAdvertiser, caPrefixOf } = await import('../discovery/index.js');
    const host = identity.addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const port = Number(identity.addr.slice(identity.addr.lastIndexOf(':') + 1));
    this.advertisedRootDigestHex = certificateSha256Hex(certificatesFromPem(caPem, 'the cluster CA')[0]!);
    try {
      this.advertiser = createAdvertiser({
        instanceName: identity.nodeId,
        port,
        txt: { cluster: identity.clusterId, ca: caPrefixOf(this.advertisedRootDigestHex), role: 'manager', node: identity.nodeId },
        addresses: [host],
        interfaceAddress: host,
        log: (line) => this.context.log(`mdns: ${line}`),
      });
      this.advertiser.start();
    } catch (error) {
      this.context.log(`mdns: not advertising (${(error as Error).message}); joiners need this manager's address`);
    }
  }

  /** Workers remember the managers they last heard of, to find the cluster after a reboot. */
  private savedManagers(): ManagerAddress[] {
    const path = join(this.dataDir, 'managers.json');
    if (!existsSync(path)) return [];
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as ManagerAddress[];
    } catch {
      return [];
    }
  }

  async saveManagers(managers: ManagerAddress[]): Promise<void> {
    await writeFileAtomic(join(this.dataDir, 'managers.json'), JSON.stringify(managers), { mode: 0o600 });
  }

  requireInactive(): void {
    const identity = this.identity;
    if (identity) throw new EdgeError('EDGE_SWARM_ALREADY_MEMBER', `this node is already ${identity.role} ${identity.nodeId} of cluster ${identity.clusterId}: leave it first (edgectl swarm leave --force)`);
    if (this.state === 'joining') throw new EdgeError('EDGE_SWARM_JOINING', 'this node is joining a cluster already: wait, or check `edgectl info`', { retryable: true });
  }

  /** `swarm init`: a new cluster with this node as its CA and only manager (or, forced, a cluster restarted from this manager). */
  async init(request: InitRequest): Promise<InitAnswer> {
    if (request.forceNewCluster) return this.forceNewCluster(request);
    this.requireInactive();
    if (request.advertiseAddr) this.context.advertiseAddr = resolveAdvertiseAddr(request.advertiseAddr, this.options.config.listenAddr);
    // A half-made cluster from an init that crashed before it finished.
    rmSync(join(this.dataDir, 'raft'), { recursive: true, force: true });
    const clusterId = newNodeId();
    const nodeId = newNodeId();
    const ca = await CertificateAuthority.create({ clusterId, clock: this.context.time });
    const host = this.context.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const { keyPem, csrPem } = await createNodeKeyAndRequest({ hostname: this.context.platform.hostname, addresses: [host] });
    const certPem = await ca.issueNodeCertificate({ csrPem, nodeId, role: 'manager', ...(request.certExpiryMs ? { validityMs: request.certExpiryMs } : {}) });
    const { registry, tokens } = JoinTokenRegistry.create(ca.digestHex, this.context.time);
    const credentials: NodeCredentials = { keyPem, certPem: `${certPem.trimEnd()}\n${ca.certPem.trimEnd()}\n`, caBundlePem: ca.certPem };
    const identity: NodeIdentity = { nodeId, clusterId, role: 'manager', raftId: 1, addr: this.context.advertiseAddr };
    const { ManagerRuntime } = await import('./manager.js');
    const manager = await ManagerRuntime.start({ context: this.context, identity, credentials, bootstrap: true, seedManagers: [] });
    installLeaderOperations(manager);
    await installServiceOperations(manager);
    manager.onOwnRoleChange((role) => void this.switchRole(role));
    this.manager = manager;
    this.followStoreCa(manager);
    void this.advertise(identity, ca.certPem);
    const nowMs = Math.floor(this.context.time.nowMs());
    const serial = new (nodeCrypto().X509Certificate)(certPem).serialNumber.toLowerCase();
    await this.waitForLeader(manager);
    await manager.write({
      op: 'cluster.init',
      clusterId,
      createdAtMs: nowMs,
      ca: { certPem: ca.certPem, keyPem: await ca.exportKeyPem() },
      ...(request.certExpiryMs ? { certValidityMs: request.certExpiryMs } : {}),
      tokens: registry.state(),
      node: {
        id: nodeId, hostname: this.context.platform.hostname, role: 'manager', raftId: 1, addr: this.context.advertiseAddr,
        labels: { ...this.options.config.labels, ...this.context.platform.labels }, availability: 'active', status: 'ready', statusMessage: 'cluster created', statusChangedAtMs: nowMs,
        certSerials: [serial], tls: { serial, rootDigestHex: ca.digestHex }, platform: { os: this.context.platform.os, arch: this.context.platform.arch }, board: this.context.platform.board,
        memoryBytes: this.context.platform.memoryBytes, allocatableBytes: this.context.platform.allocatableBytes, cores: this.context.platform.cores, joinedAtMs: nowMs,
      },
    });
    // Only now is the node a member: a crash before this line leaves it inactive, and init can run again.
    await new NodeCredentialsStore(this.dataDir).save(credentials);
    await saveIdentity(this.dataDir, identity);
    await this.saveTokens(tokens);
    this.scheduleRenewal(credentials.certPem);
    this.state = 'active';
    this.stateMessage = `manager of cluster ${clusterId}`;
    this.context.log(`created cluster ${clusterId}; this node (${nodeId}) is its first manager at ${this.context.advertiseAddr}`);
    return { nodeId, clusterId, addr: this.context.advertiseAddr, workerToken: tokens.worker, managerToken: tokens.manager };
  }

  private forcing = false;

  /**
   * `swarm init --force-new-cluster` on a manager (quorum-loss recovery, as
   * in Docker): restart the cluster from this manager's state with it as the
   * only Raft member. The runtime stops, its Raft directory is rewritten
   * (rewriteAsNewCluster), and it starts again from the disk, so what a
   * restart would find is what runs now.
   */
  private async forceNewCluster(request: InitRequest): Promise<InitAnswer> {
    const manager = this.forceableManager(request);
    const identity = manager.identity;
    const credentials = await new NodeCredentialsStore(this.dataDir).load();
    if (!credentials) throw new EdgeError('EDGE_DAEMON_IDENTITY_CORRUPT', `${this.dataDir} has a node identity but no credentials: remove the data dir and join again`);
    const leader = manager.raft.status().leader;
    const voters = manager.raft.status().voters.length;
    // Docker allows it on a healthy cluster too; it is then a choice to drop the other managers, which the person should see.
    const warning =
      leader !== 0 && voters > 1
        ? `the cluster still had a leader (raft id ${leader}${leader === identity.raftId ? ', this node' : ''}) and so a quorum: the other ${voters - 1} manager(s) were dropped from Raft anyway; demote or remove them`
        : undefined;
    if (warning) this.context.log(`force-new-cluster: warning: ${warning}`);
    this.forcing = true;
    this.stateMessage = 'forcing a new cluster from this manager';
    try {
      await this.advertiser?.stop();
      this.advertiser = undefined;
      await manager.stop({ handOver: false });
      this.manager = undefined;
      let forced: ForcedCluster;
      try {
        const { rewriteAsNewCluster } = await import('./manager.js');
        forced = await rewriteAsNewCluster(this.context, identity, request.certExpiryMs === undefined ? {} : { certValidityMs: request.certExpiryMs });
      } finally {
        // Back up either way: with the new state, or with the old one if the rewrite refused.
        await this.activate(identity, credentials, false, []);
      }
      const lost = (forced.recoveryResult as { value?: { lostManagers?: string[] } } | undefined)?.value?.lostManagers ?? [];
      this.context.log(
        `force-new-cluster: this node (raft id ${identity.raftId}) is now the only manager; Raft state kept through index ${forced.keptThrough} ` +
          `(known committed through ${forced.knownCommitted}), now term ${forced.recovered.hardState.term}; ` +
          `removed raft ids ${forced.removed.join(', ') || 'none'}; managers marked down: ${lost.join(', ') || 'none'}`,
      );
      await this.waitForLeader(this.manager!);
    } finally {
      this.forcing = false;
    }
    const state = this.manager!.state;
    return {
      nodeId: identity.nodeId,
      clusterId: identity.clusterId,
      addr: identity.addr,
      workerToken: this.savedToken('worker', state.tokens.worker.secretSha256Hex) ?? '',
      managerToken: this.savedToken('manager', state.tokens.manager.secretSha256Hex) ?? '',
      ...(warning ? { warning } : {}),
    };
  }

  /** The manager runtime a forced new cluster starts from, or the refusal that says why there is none. */
  private forceableManager(request: InitRequest): ManagerRuntime {
    if (this.forcing) throw new EdgeError('EDGE_SWARM_FORCE_RUNNING', 'a --force-new-cluster is already running on this node: wait for it to finish', { retryable: true });
    if (this.worker) {
      throw new EdgeError('EDGE_NOT_A_MANAGER', `this node is not a manager (it is worker ${this.worker.identity.nodeId}): --force-new-cluster restarts a cluster from a manager's Raft state; run it on a surviving manager`);
    }
    if (this.state === 'joining') throw new EdgeError('EDGE_SWARM_JOINING', 'this node is joining a cluster: wait, or check `edgectl info`', { retryable: true });
    const manager = this.manager;
    if (!manager) {
      throw new EdgeError('EDGE_SWARM_NOT_MEMBER', 'this node is not a manager of a cluster, so there is no cluster state to recover: run `edgectl swarm init` without --force-new-cluster to create a new cluster');
    }
    const identity = manager.identity;
    if (request.advertiseAddr !== undefined && resolveAdvertiseAddr(request.advertiseAddr, this.options.config.listenAddr) !== identity.addr) {
      throw new EdgeError('EDGE_SWARM_FORCE_OPTION', `--advertise-addr cannot change the address of a recovered manager (it stays ${identity.addr}, which its certificate names): leave the option out`);
    }
    const record = manager.state.nodes[identity.nodeId];
    if (record && record.role !== 'manager') {
      throw new EdgeError('EDGE_NOT_A_MANAGER', `the cluster state on this node records it as a ${record.role} (demoted): its Raft state is not the cluster's; run it on a surviving manager`);
    }
    return manager;
  }

  private async waitForLeader(manager: ManagerRuntime, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!manager.raft.isLeader) {
      if (Date.now() - started > timeoutMs) throw new EdgeError('EDGE_SWARM_INIT_FAILED', 'this node did not become leader of its own new cluster: check the data dir is writable');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** `swarm join` (or auto-join): become a node of the cluster the token names. */
  async join(token: string, manager: string | undefined, timeoutMs: number): Promise<{ nodeId: string; clusterId: string; role: 'manager' | 'worker'; manager: string }> {
    this.requireInactive();
    parseJoinToken(token);
    this.state = 'joining';
    this.stateMessage = manager ? `joining through ${manager}` : 'looking for managers on the LAN';
    try {
      const { joinCluster } = await import('./join.js');
      const outcome = await joinCluster({ context: this.context, token, ...(manager ? { manager } : {}), finder: this.finder, timeoutMs });
      if (outcome.identity.role === 'worker') await this.saveManagers(outcome.managers);
      await this.activate(outcome.identity, outcome.credentials, false, outcome.managers);
      this.context.log(`joined cluster ${outcome.identity.clusterId} as ${outcome.identity.role} ${outcome.identity.nodeId} through ${outcome.manager}`);
      return { nodeId: outcome.identity.nodeId, clusterId: outcome.identity.clusterId, role: outcome.identity.role, manager: outcome.manager };
    } catch (error) {
      this.state = 'inactive';
      this.stateMessage = `join failed: ${(error as Error).message}`;
      throw error;
    }
  }

  async saveTokens(tokens: SavedTokens): Promise<void> {
    await saveTokens(this.dataDir, tokens);
  }

  async savePendingTokens(pending: TokenPair): Promise<void> {
    await savePendingTokens(this.dataDir, pending);
  }

  /** The printable token for `role`, if this manager made the current one (only hashes are replicated). */
  savedToken(role: 'worker' | 'manager', currentHash: string): string | undefined {
    return savedToken(this.dataDir, role, currentHash);
  }

  /** Leaving: the node forgets its cluster membership and keeps running, inactive. */
  async leave(force: boolean): Promise<void> {
    const identity = this.identity;
    if (!identity) throw new EdgeError('EDGE_SWARM_NOT_MEMBER', 'this node is not part of a cluster');
    if (identity.role === 'manager' && !force) {
      throw new EdgeError('EDGE_SWARM_LEAVE_MANAGER', 'leaving as a manager can cost the cluster its quorum: demote this node first (edgectl node demote self), or pass --force');
    }
    await this.worker?.leave();
    clearInterval(this.caFollowTimer);
    await this.advertiser?.stop();
    this.advertiser = undefined;
    await this.manager?.stop();
    await this.worker?.stop();
    this.manager = undefined;
    this.worker = undefined;
    // The credentials go too: a node that left must join again with a token.
    for (const name of ['node.json', 'raft', 'managers.json', 'join-tokens.json']) rmSync(join(this.dataDir, name), { recursive: true, force: true });
    rmSync(new NodeCredentialsStore(this.dataDir).path, { force: true });
    this.state = 'inactive';
    this.stateMessage = 'left the cluster';
    this.context.log(`left cluster ${identity.clusterId}`);
  }
}
