#!/usr/bin/env node
// Runs every test file under test/ in its own process with uvu, then prints
// one closing line "N passed, N failed" (uvu prints one summary per file).
//
//   npm test                      build, then run everything
//   npm test -- wire pki          only files whose path contains "wire" or "pki"
//   npm test -- --no-build        skip the build (tests run from TypeScript via tsx)
//   npm test -- --jobs 1          run files one at a time
//
// Files under test/lab/ and test/e2e/ touch shared host resources (namespaces,
// runc, ports) and always run one at a time, after the others.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const jobsIndex = args.indexOf('--jobs');
const jobs = jobsIndex >= 0 ? Number(args[jobsIndex + 1]) : 2;
const filters = args.filter((arg, i) => !arg.startsWith('--') && !(jobsIndex >= 0 && i === jobsIndex + 1));
const fileTimeoutMs = Number(process.env.EDGE_TEST_FILE_TIMEOUT_MS ?? 15 * 60_000);

if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`--jobs takes a whole number of at least 1, got ${args[jobsIndex + 1]}`);
  process.exit(2);
}

if (build) {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('build failed: fix the errors above (tests did not run)');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const all = findTests(join(root, 'test'))
  .map((path) => relative(root, path))
  .filter((path) => filters.length === 0 || filters.some((filter) => path.includes(filter)));
const isSerial = (path) => /^test\/(lab|e2e)\//.test(path);
const parallel = all.filter((path) => !isSerial(path));
const serial = all.filter(isSerial);

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

function runFile(path, streamOutput) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (streamOutput) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n${path}: timed out after ${fileTimeoutMs} ms, killed\n`;
      child.kill('SIGKILL');
    }, fileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = stripAnsi(output);
      const number = (label) => {
        const match = text.match(new RegExp(`${label}:\\s+(\\d+)`));
        return match ? Number(match[1]) : null;
      };
      const total = number('Total');
      const passed = number('Passed') ?? 0;
      const skipped = number('Skipped') ?? 0;
      let failed = total === null ? 1 : total - passed - skipped;
      if (failed === 0 && (code !== 0 || signal)) failed = 1; // crashed after its summary
      resolve({ path, passed, failed, skipped, output, ms: Date.now() - started, code, signal });
    });
  });
}

const results = [];
function report(result, printed) {
  results.push(result);
  const status = result.failed > 0 ? 'FAIL' : 'ok  ';
  if (!printed) process.stdout.write(result.output);
  console.log(`${status} ${result.path}  ${result.passed} passed, ${result.failed} failed  (${(result.ms / 1000).toFixed(1)} s)`);
}

const queue = [...parallel];
async function worker() {
  while (queue.length > 0) report(await runFile(queue.shift(), false), false);
}
await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, queue.length)) }, worker));
for (const path of serial) report(await runFile(path, true), true);

const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const skipped = results.reduce((sum, r) => sum + r.skipped, 0);
const failedFiles = results.filter((r) => r.failed > 0).map((r) => r.path);
if (failedFiles.length > 0) console.log(`\nfailed files:\n  ${failedFiles.join('\n  ')}`);
if (results.length === 0) console.log('no test files matched');
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
