// A seeded, deterministic cluster for the orchestrator: nodes that go down,
// come back, drain, pause and change labels; services that are updated
// (sometimes to an image that crashes), scaled, rolled back, created and
// removed; a stand-in scheduler; agents that move tasks through their states,
// report health and fail now and then; a leader that sometimes stops after
// applying only part of a pass; and a control plane that sometimes "forgets"
// a shutdown (a stale task revived, as after a partition heals). After every
// step the invariants in invariants.ts are checked. Same seed, same run.
import { SeededRng } from '../../runtime/common/rng.js';
import { changeSpec, isTerminal, taskStateRank, type ServiceMode, type ServiceRecord, type ServiceSpec, type TaskRecord } from '../../runtime/store/services.js';
import type { NodeRecord } from '../../runtime/store/state.js';
import {
  applyActions, plan, schedulingActions, simulationOrchestratorConfig, type Action, type ReconcileOptions,
} from '../../runtime/orchestrator/index.js';
import { GiB, counterIds, makeNode, makeService, reported, testPlacer } from './fixtures.js';
import { InvariantChecker } from './invariants.js';

const nodesMax = 7;
const servicesMax = 4;
const traceLinesMax = 60;

/** Paths of the orchestrator the simulation must reach, recognised in the event log. */
export const coveragePatterns: readonly (readonly [string, RegExp])[] = [
  ['stale task fenced', /^desire \S+ shutdown: superseded/],
  ['start-first handover finished', /^desire \S+ shutdown: replaced by task/],
  ['start-first replacement', /^create .*\(start-first\)$/],
  ['stop-first replacement', /^create .*update to spec version .*\(stop-first\)$/],
  ['automatic rollback', /^rollback \S+: rolling back/],
  ['rollback finished', /^status \S+ rolled-back/],
  ['update paused', /^status \S+ paused/],
  ['update finished', /^status \S+ completed/],
  ['restart', /^create .*: restart \d/],
  ['orphaned on node loss', /^mark \S+ orphaned/],
  ['replaced after node loss', /^create .*is down$/],
  ['moved off a drained node', /^create .*is drained$/],
  ['moved off a node that stopped matching', /^create .*no longer matches/],
  ['rebalance move', /^create .*rebalancing/],
  ['scaled down', /^desire \S+ shutdown: scaled down/],
  ['job rerun', /^create .*job spec changed/],
  ['history pruned', /^remove /],
  ['unstarted task marked', /^mark \S+ shutdown: shut down before/],
  ['leader stopped mid-pass', /^leader stopped after/],
];

export class OrchestratorSim {
  readonly rng: SeededRng;
  readonly options: ReconcileOptions;
  services: ServiceRecord[] = [];
  tasks: TaskRecord[] = [];
  nodes: NodeRecord[] = [];
  nowMs = 1_000;
  wakeAtMs: number | null = null;
  readonly trace: string[] = [];
  /** How often each interesting path happened (see coveragePatterns), to prove the faults reach them. */
  readonly coverage = new Map<string, number>();
  private readonly checker: InvariantChecker;
  private nextNode = 1;
  private nextService = 1;
  private nextImage = 1;

  constructor(readonly seed: number) {
    this.rng = new SeededRng(seed);
    this.options = { config: simulationOrchestratorConfig(), placer: testPlacer, newTaskId: counterIds('t'), allocatableMemoryBytes: () => 2 * GiB };
    this.checker = new InvariantChecker(this);
    const nodeCount = 2 + this.rng.int(4);
    for (let i = 0; i < nodeCount; i++) this.addNode();
    const serviceCount = 1 + this.rng.int(servicesMax - 1);
    for (let i = 0; i < serviceCount; i++) this.addService();
  }

  log(line: string): void {
    for (const [name, pattern] of coveragePatterns) if (pattern.test(line)) this.coverage.set(name, (this.coverage.get(name) ?? 0) + 1);
    this.trace.push(`t=${this.nowMs} ${line}`);
    if (this.trace.length > traceLinesMax) this.trace.shift();
  }

  /** One step of the chaos phase: maybe a fault or an operator action, then the pipeline, then time moves. */
  chaosStep(): void {
    if (this.rng.next() < 0.35) this.randomEvent();
    const partial = this.rng.next() < 0.05;
    this.pipeline(partial);
    this.advance(100 + this.rng.int(2400));
  }

  /** One step of the calm phase: no faults; time jumps to the next wake-up when nothing else is happening. */
  calmStep(): void {
    this.pipeline(false);
    const nextMs = this.wakeAtMs !== null && this.wakeAtMs - this.nowMs < 1000 ? this.wakeAtMs - this.nowMs : 1000;
    this.advance(Math.max(1, nextMs));
  }

  /** reconcile (whole or a prefix) → check → scheduler stage → check → agents → check. */
  pipeline(partial: boolean): void {
    const result = plan(this.input(), this.options);
    this.checker.checkActions(result.actions);
    partial = partial && result.actions.length > 0;
    const liveBefore = partial ? this.checker.liveCounts() : new Map<string, number>();
    const applied = partial ? result.actions.slice(0, this.rng.int(result.actions.length)) : result.actions;
    if (partial) this.log(`leader stopped after ${applied.length} of ${result.actions.length} actions`);
    this.apply(applied);
    this.wakeAtMs = result.wakeAtMs;
    if (partial) {
      this.checker.checkWeak(liveBefore);
    } else {
      this.checker.checkAfterReconcile();
      const again = plan(this.input(), this.options).actions;
      if (again.length > 0) throw new Error(`not idempotent: a second reconcile at the same time returned ${JSON.stringify(again.slice(0, 3))}`);
    }
    const scheduling = schedulingActions(this.input(), { placer: this.options.placer, allocatableMemoryBytes: this.options.allocatableMemoryBytes, predecessorStopWaitMs: this.options.config.predecessorStopWaitMs });
    this.checker.checkAssignments(scheduling);
    this.apply(scheduling);
    this.runAgents();
    this.checker.checkMonotonic();
  }

  input(): { services: ServiceRecord[]; tasks: TaskRecord[]; nodes: NodeRecord[]; nowMs: number } {
    return { services: this.services, tasks: this.tasks, nodes: this.nodes, nowMs: this.nowMs };
  }

  apply(actions: readonly Action[]): void {
    for (const action of actions) this.log(describe(action));
    const next = applyActions(this, actions);
    this.services = next.services;
    this.tasks = next.tasks;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }

  node(id: string): NodeRecord | undefined {
    return this.nodes.find((node) => node.id === id);
  }

  service(id: string): ServiceRecord | undefined {
    return this.services.find((service) => service.id === id);
  }

  isBad(serviceId: string): boolean {
    return this.service(serviceId)?.spec.image.endsWith('-bad') ?? false;
  }

  // ---- agents -------------------------------------------------------------

  private runAgents(): void {
    this.tasks = this.tasks.map((task) => this.agentStep(task));
  }

  /** What the agent of the task's node reports this step: at most one change per task. */
  private agentStep(task: TaskRecord): TaskRecord {
    if (isTerminal(task.state) || taskStateRank(task.state) < taskStateRank('assigned')) return task;
    const node = this.node(task.nodeId);
    if (node === undefined || node.status !== 'ready') return task;
    // Stopping a container takes a while: a task often stays running for a step or two after its shutdown.
    if (task.desiredState === 'shutdown') return this.rng.next() < 0.5 ? reported(task, 'shutdown', this.nowMs, { message: 'stopped' }) : task;
    const service = this.service(task.serviceId);
    const bad = service !== undefined && service.specVersion === task.specVersion && this.isBad(task.serviceId);
    const hasCheck = service?.spec.healthCheck !== null && service !== undefined;
    switch (task.state) {
      case 'assigned':
      case 'accepted':
      case 'preparing':
        return reported(task, 'starting', this.nowMs, { message: 'starting' });
      case 'starting':
        if (bad && !hasCheck) return reported(task, 'failed', this.nowMs, { error: 'exit status 1', exitCode: 1 });
        return reported(task, 'running', this.nowMs, hasCheck ? { message: 'started', health: 'starting' } : { message: 'started' });
      case 'running':
        return this.runningStep(task, bad, hasCheck);
      default:
        return task;
    }
  }

  private runningStep(task: TaskRecord, bad: boolean, hasCheck: boolean): TaskRecord {
    if (hasCheck && task.health !== 'healthy') {
      if (bad) return reported(task, 'failed', this.nowMs, { error: 'health check failed', exitCode: 137 });
      return { ...task, health: 'healthy', updatedAtMs: this.nowMs };
    }
    if (task.desiredState === 'complete' && this.rng.next() < 0.4) return reported(task, 'complete', this.nowMs, { exitCode: 0 });
    return task;
  }

  // ---- faults and operator actions ----------------------------------------

  private randomEvent(): void {
    const events: [number, () => void][] = [
      [3, () => this.nodeDown()],
      [3, () => this.nodeUp()],
      [1, () => this.nodeUnknown()],
      [2, () => this.setAvailability()],
      [1, () => this.addNode()],
      [1, () => this.removeNode()],
      [1, () => this.relabel()],
      [3, () => this.failTask()],
      [3, () => this.updateService()],
      [2, () => this.scaleService()],
      [1, () => this.rollbackService()],
      [1, () => this.addService()],
      [1, () => this.removeService()],
      [4, () => this.reviveStaleTask()],
    ];
    let pick = this.rng.int(events.reduce((sum, [weight]) => sum + weight, 0));
    for (const [weight, event] of events) {
      if (pick < weight) return event();
      pick -= weight;
    }
  }

  private pickNode(filter: (node: NodeRecord) => boolean): NodeRecord | undefined {
    const candidates = this.nodes.filter(filter);
    return candidates.length === 0 ? undefined : candidates[this.rng.int(candidates.length)];
  }

  private setNode(id: string, patch: Partial<NodeRecord>): void {
    this.nodes = this.nodes.map((node) => (node.id === id ? { ...node, ...patch } : node));
  }

  private nodeDown(): void {
    const node = this.pickNode((candidate) => candidate.status !== 'down');
    if (node === undefined) return;
    this.log(`node ${node.id} down`);
    this.setNode(node.id, { status: 'down', statusChangedAtMs: this.nowMs });
  }

  nodeUp(id?: string): void {
    const node = id === undefined ? this.pickNode((candidate) => candidate.status !== 'ready') : this.node(id);
    if (node === undefined || node.status === 'ready') return;
    this.log(`node ${node.id} ready`);
    this.setNode(node.id, { status: 'ready', statusChangedAtMs: this.nowMs });
  }

  private nodeUnknown(): void {
    const node = this.pickNode((candidate) => candidate.status === 'ready');
    if (node === undefined) return;
    this.log(`node ${node.id} unknown`);
    this.setNode(node.id, { status: 'unknown', statusChangedAtMs: this.nowMs });
  }

  private setAvailability(): void {
    const node = this.pickNode(() => true);
    if (node === undefined) return;
    const availability = (['active', 'active', 'pause', 'drain'] as const)[this.rng.int(4)]!;
    this.log(`node ${node.id} ${availability}`);
    this.setNode(node.id, { availability });
  }

  activate(id: string): void {
    this.setNode(id, { availability: 'active' });
  }

  private addNode(): void {
    if (this.nodes.length >= nodesMax) return;
    const id = `n${this.nextNode++}`;
    const zone = this.rng.int(2) === 0 ? 'a' : 'b';
    this.log(`node ${id} joins (zone ${zone})`);
    this.nodes.push(makeNode(id, { labels: { zone }, statusChangedAtMs: this.nowMs, joinedAtMs: this.nowMs }));
  }

  private removeNode(): void {
    const node = this.pickNode((candidate) => candidate.status === 'down');
    if (node === undefined || this.nodes.length <= 2) return;
    this.log(`node ${node.id} removed`);
    this.nodes = this.nodes.filter((candidate) => candidate.id !== node.id);
  }

  private relabel(): void {
    const node = this.pickNode(() => true);
    if (node === undefined) return;
    const zone = node.labels['zone'] === 'a' ? 'b' : 'a';
    this.log(`node ${node.id} zone=${zone}`);
    this.setNode(node.id, { labels: { ...node.labels, zone } });
  }

  private failTask(): void {
    const running = this.tasks.filter((task) => task.state === 'running' && this.node(task.nodeId)?.status === 'ready');
    if (running.length === 0) return;
    const task = running[this.rng.int(running.length)]!;
    const exitCode = this.rng.int(4) === 0 ? 0 : 1;
    this.log(`task ${task.id} exits ${exitCode}`);
    const state = exitCode === 0 ? 'complete' : 'failed';
    this.tasks = this.tasks.map((candidate) => (candidate.id === task.id ? reported(candidate, state, this.nowMs, { exitCode, error: exitCode === 0 ? '' : 'crashed' }) : candidate));
  }

  private pickService(filter: (service: ServiceRecord) => boolean = () => true): ServiceRecord | undefined {
    const candidates = this.services.filter(filter);
    return candidates.length === 0 ? undefined : candidates[this.rng.int(candidates.length)];
  }

  private randomSpec(name: string, mode: ServiceMode): Partial<ServiceSpec> {
    const rng = this.rng;
    const updateConfig = (): ServiceSpec['update'] => ({
      parallelism: rng.int(4),
      delayMs: rng.int(3) * 1000,
      monitorMs: rng.int(4) * 1000,
      failureAction: (['pause', 'continue', 'rollback'] as const)[rng.int(3)]!,
      maxFailureRatio: rng.int(2) === 0 ? 0 : 0.5,
      order: rng.int(2) === 0 ? 'stop-first' : 'start-first',
    });
    const job = mode === 'replicated-job' || mode === 'global-job';
    return {
      name,
      image: `img:${this.nextImage++}`,
      mode,
      replicas: 1 + rng.int(5),
      placement: { constraints: rng.int(4) === 0 ? [{ field: 'node.labels.zone', operator: '==', value: 'a' }] : [], spreadOver: [], maxReplicasPerNode: 0 },
      restartPolicy: {
        condition: job ? 'on-failure' : (['any', 'any', 'on-failure', 'none'] as const)[rng.int(4)]!,
        delayMs: rng.int(3) * 1000,
        maxAttempts: rng.int(3) === 0 ? 1 + rng.int(3) : 0,
        windowMs: rng.int(2) === 0 ? 0 : 10_000,
      },
      update: updateConfig(),
      rollback: { ...updateConfig(), failureAction: 'pause' },
      healthCheck: rng.int(3) === 0 ? { command: ['true'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0 } : null,
    };
  }

  addService(): void {
    if (this.services.length >= servicesMax) return;
    const id = `s${this.nextService++}`;
    const modes: ServiceMode[] = ['replicated', 'replicated', 'replicated', 'global', 'replicated-job', 'global-job'];
    const mode = modes[this.rng.int(modes.length)]!;
    this.log(`service ${id} created (${mode})`);
    this.services.push(makeService(id, this.randomSpec(id, mode), { createdAtMs: this.nowMs, updatedAtMs: this.nowMs }));
  }

  private removeService(): void {
    const service = this.pickService();
    if (service === undefined || this.services.length <= 1) return;
    this.log(`service ${service.id} removed`);
    this.services = this.services.filter((candidate) => candidate.id !== service.id);
  }

  /** `service update` as the control API does it: new version, previous spec kept, status updating. */
  updateService(id?: string, good = false): void {
    const service = id === undefined ? this.pickService() : this.service(id);
    if (service === undefined) return;
    const fresh = this.randomSpec(service.spec.name, service.spec.mode);
    const bad = !good && this.rng.int(4) === 0;
    const spec: ServiceSpec = { ...service.spec, ...fresh, replicas: service.spec.replicas, image: `${fresh.image}${bad ? '-bad' : ''}` };
    this.log(`service ${service.id} updated to v${Math.max(service.specVersion, service.specVersionMax ?? 0) + 1} ${spec.image} (update ${JSON.stringify(spec.update)})`);
    this.replaceService(changeSpec(service, { spec, rollback: false, rolls: true, atMs: this.nowMs }));
  }

  private scaleService(): void {
    const service = this.pickService((candidate) => candidate.spec.mode === 'replicated' || candidate.spec.mode === 'replicated-job');
    if (service === undefined) return;
    const replicas = this.rng.int(7);
    this.log(`service ${service.id} scaled to ${replicas}`);
    this.replaceService({ ...service, spec: { ...service.spec, replicas }, updatedAtMs: this.nowMs });
  }

  private rollbackService(): void {
    const service = this.pickService((candidate) => candidate.previousSpec !== null);
    if (service === undefined) return;
    this.log(`service ${service.id} rollback requested`);
    this.apply([{ kind: 'rollbackService', serviceId: service.id, message: 'manual rollback', atMs: this.nowMs }]);
  }

  /**
   * A shutdown the control plane lost, as when a node that was cut off comes
   * back still running a task of a slot that has a newer one: the old task
   * is live again and its node's status just changed.
   */
  private reviveStaleTask(): void {
    const newerOf = (task: TaskRecord): TaskRecord | undefined => this.tasks.find((other) => other.serviceId === task.serviceId && other.slot === task.slot && other.generation > task.generation && other.desiredState !== 'shutdown' && (task.slot > 0 || other.nodeId === task.nodeId));
    const revivable = this.tasks.filter((task) => task.desiredState === 'shutdown' && !isTerminal(task.state) && this.node(task.nodeId)?.status === 'ready' && newerOf(task) !== undefined);
    // Most telling when the newer task is not running yet: then only fencing, not the end of a handover, can stop the old one.
    const early = revivable.filter((task) => newerOf(task)!.state !== 'running');
    const candidates = early.length > 0 ? early : revivable;
    if (candidates.length === 0) return;
    const task = candidates[this.rng.int(candidates.length)]!;
    const service = this.service(task.serviceId);
    const live = service === undefined ? 'running' : service.spec.mode.endsWith('job') ? 'complete' : 'running';
    this.log(`stale task ${task.id} revived on ${task.nodeId} (partition heals)`);
    this.tasks = this.tasks.map((candidate) => (candidate.id === task.id ? { ...candidate, desiredState: live } : candidate));
    this.setNode(task.nodeId, { statusChangedAtMs: this.nowMs });
    this.checker.forget(task.id);
  }

  private replaceService(service: ServiceRecord): void {
    this.services = this.services.map((candidate) => (candidate.id === service.id ? service : candidate));
  }
}

function describe(action: Action): string {
  switch (action.kind) {
    case 'createTask':
      return `create ${action.task.id} ${action.task.serviceId}/${action.task.slot || action.task.nodeId} g${action.task.generation} v${action.task.specVersion}${action.task.nodeId ? ` on ${action.task.nodeId}` : ''}: ${action.task.message}`;
    case 'setDesiredState':
      return `desire ${action.taskId} ${action.desiredState}: ${action.reason}`;
    case 'markTask':
      return `mark ${action.taskId} ${action.state}: ${action.message}`;
    case 'removeTask':
      return `remove ${action.taskId}`;
    case 'setUpdateStatus':
      return `status ${action.serviceId} ${action.state}: ${action.message}`;
    case 'rollbackService':
      return `rollback ${action.serviceId}: ${action.message}`;
    case 'assignTask':
      return `assign ${action.taskId} → ${action.nodeId}`;
  }
}
