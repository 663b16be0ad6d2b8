// Footprint of what ships to a board: bundle sizes, and the resident memory of
// an idle edged compared with a bare node process started the same way in the
// same run (so the budget is a ratio, independent of this machine).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, type BenchSuite, type Measure } from '../harness.js';
import { rssKiB } from '../proc.js';

async function settledRss(command: string, args: string[], settleMs: number): Promise<number> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited early (${child.exitCode}): ${stderr}`);
    return rssKiB(child.pid!) / 1024;
  } finally {
    child.kill('SIGKILL');
  }
}

export const suite: BenchSuite = {
  name: 'agent footprint',
  async run({ ci, root }): Promise<Measure[]> {
    const edged = join(root, 'dist/edged.js');
    const edgectl = join(root, 'dist/edgectl.js');
    const rounds = ci ? 3 : 7;
    const settleMs = 1500;
    const bare: number[] = [];
    const agent: number[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'edged-bench-'));
    try {
      for (let round = 0; round < rounds; round++) {
        bare.push(await settledRss(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], settleMs));
        agent.push(
          await settledRss(
            process.execPath,
            [edged, '--data-dir', dataDir, '--control-socket', join(dataDir, `edged-${round}.sock`), '--listen-addr', '127.0.0.1:0', '--config', '/dev/null'],
            settleMs,
          ),
        );
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    return [
      { name: 'agent.edgedBundleBytes', value: statSync(edged).size, unit: 'bytes', note: 'dist/edged.js, minified' },
      { name: 'agent.edgectlBundleBytes', value: statSync(edgectl).size, unit: 'bytes', note: 'dist/edgectl.js, minified' },
      { name: 'agent.idleRssMiB', value: median(agent), unit: 'MiB', note: `median of ${rounds}, ${settleMs} ms after start, not in a cluster` },
      { name: 'agent.bareNodeRssMiB', value: median(bare), unit: 'MiB', note: 'node -e setInterval, same run' },
      { name: 'agent.idleRssRatioToBareNode', value: median(agent) / median(bare), unit: 'ratio', note: 'idle edged RSS / bare node RSS' },
    ];
  },
};
