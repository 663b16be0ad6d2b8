// End to end, as root: the agent with the real OCI executor (runc/crun) and
// the real image service pulling a busybox image from a docker-registry on
// loopback. A web task serves a page on its published port (host network),
// a memory-limited task is OOM-killed and fails with the limit named, and a
// desired shutdown leaves no container behind.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAgent, type Agent } from '../../runtime/agent/index.js';
import { systemClock } from '../../runtime/common/clock.js';
import { createExecutor, type CreatedExecutor } from '../../runtime/containers/executor/index.js';
import { hostPlatform, ImageService } from '../../runtime/containers/image/index.js';
import type { Assignment, TaskStatus } from '../../runtime/wire/messages/dispatcher.js';
import { needsCommands, needsRoot } from '../common/env.js';
import { Sandbox } from '../containers/executor/support.js';
import { busyboxImage, layerFromEntries } from '../containers/support/image-builder.js';
import { pushImage } from '../containers/support/push.js';
import { freePort, startRegistry, type RunningRegistry } from '../containers/support/registry.js';
import { tempStore, type TempStore } from '../containers/support/temp-store.js';
import { runSpec } from './support.js';

const test = suite('agent (e2e)');
const MiB = 1024 * 1024;
const ready = needsRoot() && needsCommands('docker-registry', 'busybox', 'mount', 'runc');

if (ready) {
  let registry: RunningRegistry | undefined;
  let store: TempStore | undefined;
  let sandbox: Sandbox | undefined;
  let executor: CreatedExecutor | undefined;
  let images: ImageService | undefined;
  let agent: Agent | undefined;
  let reference = '';
  const sent: { topic: string; body: unknown }[] = [];

  test.before(async () => {
    registry = await startRegistry();
    store = tempStore('agent-e2e');
    sandbox = await Sandbox.create('agent-e2e');
    // httpd, dd and wget are busybox applets the base test image does not link; a second layer adds them and a page.
    const extras = layerFromEntries([
      { path: 'bin/httpd', type: 'symlink', linkPath: 'busybox' },
      { path: 'bin/dd', type: 'symlink', linkPath: 'busybox' },
      { path: 'bin/wget', type: 'symlink', linkPath: 'busybox' },
      { path: 'www/', type: 'directory' },
      { path: 'www/index.html', body: 'hello from an edgectl task\n' },
    ]);
    const image = busyboxImage({ platform: hostPlatform(), extraLayers: [extras], cmd: ['sleep', '3600'] });
    await pushImage({ domain: registry.domain, repository: 'edge/agent-e2e' }, image, 'v1');
    reference = `${registry.domain}/edge/agent-e2e:v1`;
    images = await ImageService.open({ dataDir: store.dataDir, insecureRegistries: [registry.domain] });
    executor = await createExecutor(sandbox.config({ onHealthChange: (event) => agent?.onHealthChange(event) }));
    agent = await createAgent({
      nodeId: 'e2e-node',
      executor,
      images,
      send: (topic, body) => sent.push({ topic, body }),
      clock: systemClock,
      log: () => undefined,
      stateDir: join(sandbox.root, 'agent-state'),
      config: { stopGraceMs: 2000 },
    });
    agent.onSessionOpen();
  });

  test.after(async () => {
    await agent?.stop();
    for (const container of (await executor?.list()) ?? []) {
      await executor?.stop(container.id, { graceMs: 500 }).catch(() => undefined);
      await executor?.remove(container.id).catch(() => undefined);
      await images?.releaseRootfs(container.id).catch(() => undefined);
    }
    await executor?.close();
    store?.cleanup();
    await sandbox?.cleanup();
    await registry?.stop();
  });

  /** Polls the agent's own view until `taskId` matches, or fails after `timeoutMs`. */
  async function waitFor(taskId: string, accept: (status: TaskStatus) => boolean, timeoutMs = 30_000): Promise<TaskStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = agent!.taskStatuses().find((candidate) => candidate.taskId === taskId);
      if (status !== undefined && accept(status)) return status;
      if (Date.now() > deadline) throw new Error(`task ${taskId} never got there; last: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  function assignment(taskId: string, spec: Partial<Assignment['spec']>, desiredState: Assignment['desiredState'] = 'running'): Assignment {
    return { taskId, serviceId: 'svc', serviceName: taskId, slot: 1, generation: 1, specVersion: 1, desiredState, spec: runSpec({ image: reference, ...spec }) };
  }

  let webTask: Assignment;
  let port = 0;

  test('a web task pulled from the registry runs on its published port (host network) and turns healthy', async () => {
    // Proves pull → rootfs → runc with host networking: a page is fetched from 127.0.0.1, and the health check passes.
    port = await freePort();
    const probe = ['wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}/index.html`];
    webTask = assignment('web-1', {
      command: ['httpd', '-f', '-p', String(port), '-h', '/www'],
      ports: [{ published: port, target: port, protocol: 'tcp' }],
      memoryLimitBytes: 32 * MiB,
      pidsLimit: 32,
      healthCheck: { command: probe, intervalMs: 300, timeoutMs: 2000, retries: 3, startPeriodMs: 0 },
    });
    await agent!.onAssign({ version: 1, tasks: [webTask] });
    await waitFor('web-1', (status) => status.state === 'running');
    let body = '';
    const deadline = Date.now() + 10_000;
    while (body === '' && Date.now() < deadline) {
      body = await fetch(`http://127.0.0.1:${port}/index.html`).then((response) => response.text()).catch(() => '');
      if (body === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.is(body, 'hello from an edgectl task\n');
    await waitFor('web-1', (status) => status.health === 'healthy');
    assert.ok(sent.some((message) => message.topic === 'dispatcher.progress'), 'pull progress was sent');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const reported = sent.filter((message) => message.topic === 'dispatcher.status').flatMap((message) => (message.body as { updates: TaskStatus[] }).updates);
    assert.ok(reported.some((update) => update.taskId === 'web-1' && update.state === 'running'), 'running was reported to the manager');
  });

  test('a task that allocates past its 64 MiB limit fails with "OOM-killed: limit 64 MiB"', async () => {
    // Proves the kernel's OOM verdict travels from the cgroup through the executor into the task status.
    const hog = assignment('hog-1', {
      command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'],
      memoryLimitBytes: 64 * MiB,
      restartPolicy: { condition: 'none', delayMs: 0, maxAttempts: 0, windowMs: 0 },
    });
    await agent!.onAssign({ version: 2, tasks: [webTask, hog] });
    const status = await waitFor('hog-1', (candidate) => candidate.state === 'failed' || candidate.state === 'complete');
    assert.is(status.state, 'failed');
    assert.is(status.error, 'OOM-killed: limit 64 MiB');
    assert.is(status.exitCode, 137);
  });

  test('desired shutdown stops the web task and its container is gone', async () => {
    // Proves the shutdown path on the real runtime: stopped, reported, removed, rootfs released, port closed.
    await agent!.onAssign({ version: 3, tasks: [{ ...webTask, desiredState: 'shutdown' }] });
    await waitFor('web-1', (status) => status.state === 'shutdown');
    // Removal (container, then rootfs) is the step after the reported shutdown; idle() waits for it.
    await agent!.idle();
    assert.not.ok((await executor!.list()).some((container) => container.id === 'web-1'), 'container removed');
    assert.not.ok((await images!.list()).some((image) => image.usedBy.includes('web-1')), 'rootfs released');
    const answer = await fetch(`http://127.0.0.1:${port}/index.html`).then(() => 'answered').catch(() => 'refused');
    assert.is(answer, 'refused');
    // hog-1 was not listed in version 3: it is removed too.
    assert.not.ok((await executor!.list()).some((container) => container.id === 'hog-1'), 'unlisted task removed');
  });
}

test.run();
