// Executor benchmarks (root, runc or crun, busybox-static):
//   - start latency, prepared bundle → first process running, as a ratio to
//     `runtime run -d` of the same bundle by hand, alternated in the same run;
//     and as a ratio to `runtime run` in the foreground by hand (what the shim
//     runs), which isolates the executor's own cost (shim, files, detection)
//     from the runtime's slower foreground path;
//   - the executor's own memory growth (RSS and V8 heap) while 10 containers
//     run with a wait() pending on each, container processes not counted;
//   - what supervision costs per container outside the agent: the shim
//     (/bin/sh) plus the runtime process it waits on.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
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

/** `runtime run --pid-file P` in the foreground, as the shim runs it: returns once the pid file exists. */
function runForeground(binary: string, root: string, bundle: string, id: string, pidFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const dir = pidFile.slice(0, pidFile.lastIndexOf('/'));
    const watcher = watch(dir, () => {
      if (!existsSync(pidFile)) return;
      watcher.close();
      resolve();
    });
    const child = spawn(binary, ['--root', root, 'run', '--bundle', bundle, '--pid-file', pidFile, id], { stdio: 'ignore', detached: true });
    child.on('error', (error) => {
      watcher.close();
      reject(error);
    });
    child.unref();
  });
}

function killQuietly(binary: string, root: string, id: string): void {
  try {
    execFileSync(binary, ['--root', root, 'kill', id, '9'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
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

interface StartSamples {
  executorMs: number[];
  detachedMs: number[];
  foregroundMs: number[];
}

async function measureStartLatency(sandbox: Sandbox, executor: CreatedExecutor, rounds: number): Promise<StartSamples> {
  const binary = execFileSync('sh', ['-c', `command -v ${executor.runtimeName}`], { encoding: 'utf8' }).trim();
  const samples: StartSamples = { executorMs: [], detachedMs: [], foregroundMs: [] };
  for (let round = 0; round < rounds; round++) {
    const id = sandbox.id('lat');
    await executor.create(sandbox.shellSpec(id, 'sleep 30'));
    const bundle = containerPaths(sandbox.dataDir, id).bundleDir;
    const referenceId = `${id}-ref`;
    let started = performance.now();
    await runDetached(binary, sandbox.runtimeRoot, bundle, referenceId);
    samples.detachedMs.push(performance.now() - started);
    deleteQuietly(binary, sandbox.runtimeRoot, referenceId);
    const foregroundId = `${id}-fg`;
    started = performance.now();
    await runForeground(binary, sandbox.runtimeRoot, bundle, foregroundId, `${sandbox.root}/${foregroundId}.pid`);
    samples.foregroundMs.push(performance.now() - started);
    killQuietly(binary, sandbox.runtimeRoot, foregroundId);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the foreground runtime reap it and exit
    deleteQuietly(binary, sandbox.runtimeRoot, foregroundId);
    started = performance.now();
    await executor.start(id);
    samples.executorMs.push(performance.now() - started);
    await executor.stop(id, { graceMs: 10 });
    await executor.remove(id);
  }
  return samples;
}

async function measureMemory(sandbox: Sandbox, executor: CreatedExecutor): Promise<Measure[]> {
  forceGc();
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the latency rounds' garbage go before the baseline
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
      const { executorMs, detachedMs, foregroundMs } = await measureStartLatency(sandbox, executor, ci ? 9 : 25);
      const memory = await measureMemory(sandbox, executor);
      return [
        {
          name: 'containers.executor.startLatencyRatio',
          value: median(executorMs) / median(detachedMs),
          unit: 'ratio',
          note: `median start() ÷ median \`${executor.runtimeName} run -d\` of the same bundle, alternated`,
        },
        { name: 'containers.executor.startLatencyMs', value: median(executorMs), unit: 'ms', note: 'median start(): bundle prepared → pid file seen' },
        {
          name: 'containers.executor.startOverheadRatio',
          value: median(executorMs) / median(foregroundMs),
          unit: 'ratio',
          note: `median start() ÷ median foreground \`${executor.runtimeName} run\` by hand: the shim and detection alone`,
        },
        { name: 'containers.executor.runtimeRunDetachedMs', value: median(detachedMs), unit: 'ms', note: 'median runtime run -d by hand (reference)' },
        { name: 'containers.executor.runtimeRunForegroundMs', value: median(foregroundMs), unit: 'ms', note: 'median foreground runtime run by hand (reference)' },
        ...memory,
      ];
    } finally {
      await executor.close();
      await sandbox.cleanup();
    }
  },
};
