// Executor benchmarks (root, runc or crun, busybox-static):
//   - start latency, prepared bundle → first process running, as a ratio to
//     `runtime run -d` of the same bundle by hand, alternated in the same run;
//   - the executor's own memory growth (RSS and V8 heap) while 10 containers
//     run with a wait() pending on each, container processes not counted;
//   - what supervision costs per container outside the agent: the shim
//     (/bin/sh) plus the runtime process it waits on.
import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { containerPaths } from '../../runtime/containers/executor/container-dir.js';
import { createExecutor, type CreatedExecutor } from '../../runtime/containers/executor/index.js';
import { Sandbox } from '../../test/containers/executor/support.js';

const MiB = 1024 * 1024;
const runningContainers = 10;

function forceGc(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/** `runtime --root R run -d --bundle B id`: returns once the runtime says the container runs. */
function runDetached(binary: string, root: string, bundle: string, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--root', root, 'run', '-d', '--bundle', bundle, id], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${binary} run -d exited ${code}`))));
  });
}

function deleteQuietly(binary: string, root: string, id: string): void {
  try {
    execFileSync(binary, ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter((entry) => entry !== '').map(Number);
}

async function measureStartLatency(sandbox: Sandbox, executor: CreatedExecutor, rounds: number): Promise<{ executorMs: number[]; byHandMs: number[] }> {
  const binary = execFileSync('sh', ['-c', `command -v ${executor.runtimeName}`], { encoding: 'utf8' }).trim();
  const executorMs: number[] = [];
  const byHandMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const id = sandbox.id('lat');
    await executor.create(sandbox.shellSpec(id, 'sleep 30'));
    const bundle = containerPaths(sandbox.dataDir, id).bundleDir;
    const referenceId = `${id}-ref`;
    let started = performance.now();
    await runDetached(binary, sandbox.runtimeRoot, bundle, referenceId);
    byHandMs.push(performance.now() - started);
    deleteQuietly(binary, sandbox.runtimeRoot, referenceId);
    started = performance.now();
    await executor.start(id);
    executorMs.push(performance.now() - started);
    await executor.stop(id, { graceMs: 10 });
    await executor.remove(id);
  }
  return { executorMs, byHandMs };
}

async function measureMemory(sandbox: Sandbox, executor: CreatedExecutor): Promise<Measure[]> {
  forceGc();
  const before = process.memoryUsage();
  const ids: string[] = [];
  const waits: Promise<unknown>[] = [];
  for (let i = 0; i < runningContainers; i++) {
    const id = sandbox.id('mem');
    ids.push(id);
    await executor.create(sandbox.shellSpec(id, 'sleep 60'));
    await executor.start(id);
    waits.push(executor.wait(id));
  }
  await executor.list();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  forceGc();
  const after = process.memoryUsage();
  let supervisionBytes = 0;
  for (const id of ids) {
    const shimPid = Number((await readFile(containerPaths(sandbox.dataDir, id).shimPid, 'utf8')).trim());
    supervisionBytes += await rssBytes(shimPid);
    for (const child of await childPids(shimPid)) supervisionBytes += await rssBytes(child);
  }
  for (const id of ids) await executor.stop(id, { graceMs: 10 });
  await Promise.all(waits);
  for (const id of ids) await executor.remove(id);
  return [
    { name: 'containers.executor.rssGrowthMiB', value: (after.rss - before.rss) / MiB, unit: 'MiB', note: `agent RSS growth with ${runningContainers} containers running and waited on` },
    { name: 'containers.executor.heapGrowthMiB', value: (after.heapUsed - before.heapUsed) / MiB, unit: 'MiB', note: `V8 heap growth, same ${runningContainers} containers` },
    {
      name: 'containers.executor.supervisionRssMiBPerContainer',
      value: supervisionBytes / runningContainers / MiB,
      unit: 'MiB',
      note: `shim (/bin/sh) + foreground ${executor.runtimeName} per container, outside the agent`,
    },
  ];
}

export const suite: BenchSuite = {
  name: 'containers-executor',
  async run({ ci }) {
    if (process.getuid?.() !== 0) throw new Error('containers-executor needs root (real containers through runc/crun)');
    const sandbox = await Sandbox.create('bench');
    const executor = await createExecutor(sandbox.config({ exitPollMs: 1000 }));
    try {
      await measureStartLatency(sandbox, executor, 2); // warm the page cache and the JIT
      const { executorMs, byHandMs } = await measureStartLatency(sandbox, executor, ci ? 9 : 25);
      const memory = await measureMemory(sandbox, executor);
      return [
        {
          name: 'containers.executor.startLatencyRatio',
          value: median(executorMs) / median(byHandMs),
          unit: 'ratio',
          note: `median start() ÷ median \`${executor.runtimeName} run -d\` of the same bundle, alternated`,
        },
        { name: 'containers.executor.startLatencyMs', value: median(executorMs), unit: 'ms', note: 'median start(): bundle prepared → pid file seen' },
        { name: 'containers.executor.runtimeRunDetachedMs', value: median(byHandMs), unit: 'ms', note: 'median runtime run -d by hand (reference)' },
        ...memory,
      ];
    } finally {
      await executor.close();
      await sandbox.cleanup();
    }
  },
};
