// The simulator from the command line.
//
//   npm run sim -- --seed 42 [--trace]      replay one seed exactly, optionally with a readable trace
//   npm run sim -- --seeds 10000 [--from 1] [--jobs 2]
//                                            the soak: many seeds, a summary, failing seeds listed
//   --fault-ms 40000                         a longer fault phase than the default 12 s (stress);
//                                            pass the same value to replay such a run
//
// A failing seed prints its violations and the command that replays it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../bench/harness.js';
import { optionsForSeed, runSimulation, variantForSeed, type SimOptions, type SimResult } from './sim/cluster.js';

interface Summary {
  seeds: number;
  failed: Array<{ seed: number; violations: string[] }>;
  recoveryTicks: number[];
  events: number;
  messages: number;
  committed: number;
  operations: number;
  unknownOutcomes: number;
  crashes: number;
  snapshotsInstalled: number;
  linearizabilityGaveUp: number;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function integerArgument(name: string, fallback: number): number {
  const raw = argument(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`${name} takes a whole number, got ${raw}`);
    process.exit(2);
  }
  return value;
}

function emptySummary(): Summary {
  return { seeds: 0, failed: [], recoveryTicks: [], events: 0, messages: 0, committed: 0, operations: 0, unknownOutcomes: 0, crashes: 0, snapshotsInstalled: 0, linearizabilityGaveUp: 0 };
}

function add(summary: Summary, result: SimResult): void {
  summary.seeds += 1;
  if (result.violations.length > 0) summary.failed.push({ seed: result.seed, violations: result.violations });
  if (result.recoveryTicks >= 0) summary.recoveryTicks.push(result.recoveryTicks);
  summary.events += result.events;
  summary.messages += result.messages;
  summary.committed += result.committed;
  summary.operations += result.operations;
  summary.unknownOutcomes += result.unknownOutcomes;
  summary.crashes += result.crashes;
  summary.snapshotsInstalled += result.snapshotsInstalled;
  if (result.linearizability === 'gave-up') summary.linearizabilityGaveUp += 1;
}

function merge(into: Summary, other: Summary): void {
  into.seeds += other.seeds;
  into.failed.push(...other.failed);
  into.recoveryTicks.push(...other.recoveryTicks);
  for (const key of ['events', 'messages', 'committed', 'operations', 'unknownOutcomes', 'crashes', 'snapshotsInstalled', 'linearizabilityGaveUp'] as const) {
    into[key] += other[key];
  }
}

/** Options a command line may override, applied the same way to single runs and soaks. */
function overrides(): Partial<SimOptions> {
  const faultMs = argument('--fault-ms');
  return faultMs === undefined ? {} : { faultPhaseMs: integerArgument('--fault-ms', 12_000) };
}

function runRange(from: number, count: number, progress: boolean): Summary {
  const summary = emptySummary();
  for (let seed = from; seed < from + count; seed += 1) {
    const result = runSimulation(optionsForSeed(seed, overrides()));
    add(summary, result);
    if (result.violations.length > 0 && progress) reportFailure(seed, result.violations);
    if (progress && summary.seeds % 500 === 0) console.error(`… ${summary.seeds}/${count} seeds, ${summary.failed.length} failing`);
  }
  return summary;
}

function reportFailure(seed: number, violations: readonly string[]): void {
  console.log(`seed ${seed} FAILED (${variantForSeed(seed).name}, ${optionsForSeed(seed).nodes} nodes):`);
  for (const violation of violations) console.log(`  ${violation}`);
  const faultMs = argument('--fault-ms');
  console.log(`  replay: npm run sim -- --seed ${seed}${faultMs === undefined ? '' : ` --fault-ms ${faultMs}`} --trace`);
}

async function runParallel(from: number, count: number, jobs: number): Promise<Summary> {
  const script = fileURLToPath(import.meta.url);
  const share = Math.ceil(count / jobs);
  const parts: Array<Promise<Summary>> = [];
  for (let job = 0; job < jobs; job += 1) {
    const start = from + job * share;
    const size = Math.min(share, from + count - start);
    if (size <= 0) break;
    parts.push(
      new Promise((resolve, reject) => {
        const extra = argument('--fault-ms') === undefined ? [] : ['--fault-ms', argument('--fault-ms')!];
        const child = spawn(process.execPath, ['--import', 'tsx', script, '--from', String(start), '--seeds', String(size), '--json', ...extra], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => (code === 0 || code === 1 ? resolve(JSON.parse(output) as Summary) : reject(new Error(`worker exited ${code}`))));
      }),
    );
  }
  const total = emptySummary();
  for (const part of await Promise.all(parts)) merge(total, part);
  return total;
}

function printSummary(summary: Summary, elapsedMs: number): void {
  const ticks = summary.recoveryTicks;
  console.log(`seeds run:            ${summary.seeds}`);
  console.log(`failing seeds:        ${summary.failed.length}${summary.failed.length ? ` (${summary.failed.map((f) => f.seed).join(', ')})` : ''}`);
  console.log(`wall time:            ${(elapsedMs / 1000).toFixed(1)} s (${(elapsedMs / Math.max(1, summary.seeds)).toFixed(1)} ms/seed)`);
  console.log(`events:               ${summary.events}`);
  console.log(`messages:             ${summary.messages}`);
  console.log(`entries committed:    ${summary.committed}`);
  console.log(`client ops completed: ${summary.operations} (+${summary.unknownOutcomes} with unknown outcome), all histories linearizable${summary.linearizabilityGaveUp ? ` (checker gave up on ${summary.linearizabilityGaveUp})` : ''}`);
  console.log(`crashes:              ${summary.crashes}`);
  console.log(`snapshots installed:  ${summary.snapshotsInstalled}`);
  console.log(`recovery after faults: p50 ${percentile(ticks, 0.5)} ticks, p99 ${percentile(ticks, 0.99)} ticks, max ${Math.max(...ticks)} ticks`);
}

async function main(): Promise<void> {
  const single = argument('--seed');
  if (single !== undefined) {
    const seed = integerArgument('--seed', 1);
    const trace = process.argv.includes('--trace');
    const options = optionsForSeed(seed, { ...overrides(), trace: trace ? (line) => console.log(line) : null });
    console.log(`seed ${seed}: ${options.nodes} nodes, config ${variantForSeed(seed).name}, membership changes ${options.membership ? 'on' : 'off'}`);
    const result = runSimulation(options);
    if (result.violations.length > 0) {
      reportFailure(seed, result.violations);
      process.exit(1);
    }
    console.log(JSON.stringify(result));
    return;
  }
  const count = integerArgument('--seeds', 100);
  const from = integerArgument('--from', 1);
  const jobs = integerArgument('--jobs', 1);
  const started = Date.now();
  if (process.argv.includes('--json')) {
    const summary = runRange(from, count, false);
    process.stdout.write(JSON.stringify(summary));
    process.exit(summary.failed.length > 0 ? 1 : 0);
  }
  const summary = jobs > 1 ? await runParallel(from, count, jobs) : runRange(from, count, true);
  if (jobs > 1) for (const failure of summary.failed) reportFailure(failure.seed, failure.violations);
  printSummary(summary, Date.now() - started);
  process.exit(summary.failed.length > 0 ? 1 : 0);
}

await main();
