// Start-up of the agent on arm64, emulated: how long the real dist/edged.js
// takes under qemu-aarch64-static, from spawn until its control socket answers
// swarm.info, divided by how long a bare `node -e ''` takes to start and exit
// under the same qemu in the same run. Emulation makes both slow and this
// machine is shared, so only the ratio is a budget; the absolute medians are
// notes. The arm64 node and sysroot come from the proof test's helper (cached
// in .cache/arm64/; prepared here on a cold cache, about 1.5 min).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { runToEnd, startArm64Agent } from '../../test/arm64/agent.js';
import { arm64Node, prepareArm64Runtime, type Arm64Runtime } from '../../test/arm64/runtime.js';

/** A bare node start under qemu takes 2–5 s here; past this something is wrong. */
const BARE_NODE_TIMEOUT_MS = 60_000;

async function bareNodeStartMs(runtime: Arm64Runtime): Promise<number> {
  const { command, args } = arm64Node(runtime, ['-e', '']);
  const started = performance.now();
  const result = await runToEnd(command, args, BARE_NODE_TIMEOUT_MS);
  const elapsedMs = performance.now() - started;
  if (result.code !== 0) throw new Error(`arm64 node -e '' failed (${result.code ?? result.signal}): ${result.stderr}`);
  return elapsedMs;
}

async function edgedStartMs(runtime: Arm64Runtime): Promise<number> {
  // Port 0: each start binds a fresh port, and no two rounds can collide.
  const agent = await startArm64Agent(runtime, { listenAddr: '127.0.0.1:0' });
  await agent.stop();
  return agent.readyMs;
}

export const suite: BenchSuite = {
  name: 'arm64 start-up under qemu',
  async run({ ci, root }): Promise<Measure[]> {
    for (const bundle of ['dist/edged.js', 'dist/edgectl.js']) {
      if (!existsSync(join(root, bundle))) throw new Error(`${bundle} is missing: run \`npm run bundle\` first`);
    }
    const prepareStarted = performance.now();
    const runtime = prepareArm64Runtime({ log: (line) => console.error(`bench arm64: ${line}`) });
    const prepareS = (performance.now() - prepareStarted) / 1000;
    const rounds = ci ? 3 : 7;
    // The first run reads the 99 MB node binary from disk; later ones find it in the page cache.
    await bareNodeStartMs(runtime);
    const bare: number[] = [];
    const edged: number[] = [];
    // Interleaved, so a burst of load from others on this machine hits both sides alike.
    for (let round = 0; round < rounds; round++) {
      bare.push(await bareNodeStartMs(runtime));
      edged.push(await edgedStartMs(runtime));
    }
    const where = `arm64 node ${runtime.nodeVersion} under qemu-aarch64-static, median of ${rounds}`;
    return [
      {
        name: 'arm64.edgedStartRatioToBareNode',
        value: median(edged) / median(bare),
        unit: 'ratio',
        note: `edged spawn → control socket answers swarm.info, over node -e '' spawn → exit; ${where} (runtime ready in ${prepareS.toFixed(1)} s)`,
      },
      { name: 'arm64.edgedStartMsMedian', value: Math.round(median(edged)), unit: 'ms', note: `unbudgeted: absolute, this machine; ${where}` },
      { name: 'arm64.bareNodeStartMsMedian', value: Math.round(median(bare)), unit: 'ms', note: `unbudgeted: absolute, this machine; ${where}` },
    ];
  },
};
