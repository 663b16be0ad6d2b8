// Helpers for the agent's unit tests: a fake image store, assignment
// builders, and a Harness that runs an agent over a FakeExecutor with manual
// time, capturing everything it sends. A second agent over the same harness
// (restartAgent) is an agent restart on the same board.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../runtime/common/clock.js';
import { createAgent, type Agent, type AgentConfig, type ImageSource } from '../../runtime/agent/index.js';
import { FakeExecutor, FakeHost, fakeProgramArgs, ManualTimers, type FakeProgram } from '../../runtime/containers/executor/index.js';
import { ImageError, type ImageRuntimeConfig, type ProgressListener } from '../../runtime/containers/image/index.js';
import type { Assignment, RunSpec, TaskStatus } from '../../runtime/wire/messages/dispatcher.js';

export function imageConfig(overrides: Partial<ImageRuntimeConfig> = {}): ImageRuntimeConfig {
  return {
    entrypoint: [],
    cmd: fakeProgramArgs({}),
    env: ['PATH=/bin'],
    workingDir: '/',
    user: '',
    exposedPorts: [],
    labels: {},
    stopSignal: undefined,
    ...overrides,
  };
}

/** Images by reference; pulls can be made to fail or to wait for a gate. */
export class FakeImages implements ImageSource {
  readonly registry = new Map<string, ImageRuntimeConfig>();
  /** References pulled into the store (what inspect() finds). */
  readonly stored = new Set<string>();
  readonly pulls: string[] = [];
  readonly rootfs = new Set<string>();
  /** Pulls of these references fail as if the registry were unreachable. */
  readonly unreachable = new Set<string>();
  pullsInFlight = 0;
  pullsInFlightMax = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  add(reference: string, config: ImageRuntimeConfig = imageConfig()): this {
    this.registry.set(reference, config);
    return this;
  }

  /** Pulls wait until release() is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  async pull(reference: string, options: { onProgress?: ProgressListener } = {}): Promise<{ id: string }> {
    this.pulls.push(reference);
    this.pullsInFlight += 1;
    this.pullsInFlightMax = Math.max(this.pullsInFlightMax, this.pullsInFlight);
    try {
      if (this.gate !== null) await this.gate;
      if (this.unreachable.has(reference)) throw new ImageError('EDGE_IMAGE_NETWORK', `cannot reach the registry for ${reference}`, { retryable: true });
      if (!this.registry.has(reference)) throw new ImageError('EDGE_IMAGE_NOT_FOUND', `${reference} is not in the registry`);
      const digest = `sha256:${'a'.repeat(64)}` as const;
      options.onProgress?.({ phase: 'resolved', reference, imageId: digest, layers: [{ digest, totalBytes: 1000 }] });
      for (let done = 100; done <= 1000; done += 100) options.onProgress?.({ phase: 'download', digest, bytesDone: done, bytesTotal: 1000 });
      options.onProgress?.({ phase: 'done', imageId: digest });
      this.stored.add(reference);
      return { id: idOf(reference) };
    } finally {
      this.pullsInFlight -= 1;
    }
  }

  async inspect(reference: string): Promise<{ id: string }> {
    if (!this.stored.has(reference)) throw new ImageError('EDGE_IMAGE_UNKNOWN', `no image ${reference}`);
    return { id: idOf(reference) };
  }

  async prepareRootfs(imageId: string, containerId: string): Promise<{ rootfsPath: string; config: ImageRuntimeConfig }> {
    const reference = [...this.registry.keys()].find((candidate) => idOf(candidate) === imageId);
    if (reference === undefined) throw new ImageError('EDGE_IMAGE_UNKNOWN', `no image ${imageId}`);
    if (this.rootfs.has(containerId)) throw new ImageError('EDGE_IMAGE_ROOTFS_EXISTS', `rootfs ${containerId} exists`);
    this.rootfs.add(containerId);
    return { rootfsPath: `/fake/rootfs/${containerId}`, config: this.registry.get(reference)! };
  }

  async releaseRootfs(containerId: string): Promise<void> {
    this.rootfs.delete(containerId);
  }
}

function idOf(reference: string): string {
  return `image-of-${reference}`;
}

export const defaultImage = 'registry.test/app:1';

export function runSpec(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    image: defaultImage,
    command: [],
    env: {},
    memoryLimitBytes: 0,
    cpuLimit: 0,
    pidsLimit: 0,
    ports: [],
    mounts: [],
    restartPolicy: { condition: 'any', delayMs: 1000, maxAttempts: 0, windowMs: 0 },
    ...overrides,
  };
}

/** An assignment whose container behaves as `program` under the FakeExecutor. */
export function task(taskId: string, options: { program?: FakeProgram; desiredState?: Assignment['desiredState']; spec?: Partial<RunSpec> } = {}): Assignment {
  return {
    taskId,
    serviceId: 'svc-1',
    serviceName: 'web',
    slot: 1,
    generation: 1,
    specVersion: 1,
    desiredState: options.desiredState ?? 'running',
    spec: runSpec({ command: fakeProgramArgs(options.program ?? {}), ...options.spec }),
  };
}

export interface SentMessage {
  topic: string;
  body: unknown;
}

export class Harness {
  readonly timers = new ManualTimers();
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly host = new FakeHost(this.timers, this.clock);
  readonly images = new FakeImages().add(defaultImage);
  readonly sent: SentMessage[] = [];
  readonly logs: string[] = [];
  /** When set, send() throws this (no link, backpressure). */
  sendError: Error | null = null;
  agent!: Agent;
  executor!: FakeExecutor;

  private constructor(readonly stateDir: string) {}

  static async create(config: Partial<AgentConfig> = {}): Promise<Harness> {
    const harness = new Harness(await mkdtemp(join(tmpdir(), 'edge-agent-')));
    await harness.startAgent(config);
    return harness;
  }

  /** A new executor and agent over the same board and state dir, as after a crash of the agent process. */
  async startAgent(config: Partial<AgentConfig> = {}): Promise<Agent> {
    this.executor = new FakeExecutor(this.host, { onHealthChange: (event) => this.agent?.onHealthChange(event) });
    this.agent = await createAgent({
      nodeId: 'node-1',
      executor: this.executor,
      images: this.images,
      send: (topic, body) => {
        if (this.sendError !== null) throw this.sendError;
        this.sent.push({ topic, body: structuredClone(body) });
      },
      clock: this.clock,
      timers: this.timers,
      log: (line) => this.logs.push(line),
      stateDir: this.stateDir,
      config,
    });
    return this.agent;
  }

  /** Stops the current agent object (containers stay) and starts another. */
  async restartAgent(config: Partial<AgentConfig> = {}): Promise<Agent> {
    await this.agent.stop();
    await this.executor.close();
    return this.startAgent(config);
  }

  async assign(version: number, tasks: Assignment[]): Promise<void> {
    await this.agent.onAssign({ version, tasks });
    await this.settle();
  }

  /**
   * Lets every step that waits for nothing but promises finish. (agent.idle()
   * would also wait for steps held on purpose, such as a gated pull.)
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 40; round++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Moves the clock and the timers together in small increments, letting steps run in between. */
  async advance(ms: number, incrementMs = 10): Promise<void> {
    for (let passed = 0; passed < ms; passed += incrementMs) {
      const step = Math.min(incrementMs, ms - passed);
      this.clock.advance(step);
      this.timers.advance(step);
      await this.settle();
    }
  }

  /** Every status update sent, in order. */
  updates(): TaskStatus[] {
    return this.sent.filter((message) => message.topic === 'dispatcher.status').flatMap((message) => (message.body as { updates: TaskStatus[] }).updates);
  }

  /** Updates for one task, in order. */
  updatesOf(taskId: string): TaskStatus[] {
    return this.updates().filter((update) => update.taskId === taskId);
  }

  lastUpdateOf(taskId: string): TaskStatus | undefined {
    return this.updatesOf(taskId).at(-1);
  }

  topics(): string[] {
    return this.sent.map((message) => message.topic);
  }

  /** The agent's current view of a task (whether sent or not). */
  view(taskId: string): TaskStatus | undefined {
    return this.agent.taskStatuses().find((status) => status.taskId === taskId);
  }

  async cleanup(): Promise<void> {
    await this.agent.stop();
    await this.executor.close();
    for (const id of this.host.containers.keys()) this.host.end(id, 137);
    await rm(this.stateDir, { recursive: true, force: true });
  }
}
