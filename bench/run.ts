// Runs every suite under bench/suites/, compares each measure with
// bench/budgets.json, writes bench/report.json and prints a Markdown table.
//
//   npm run bench               full run
//   npm run bench -- --ci       short run, same budgets (what CI runs)
//   npm run bench -- wire pki   only suites whose file name contains a word
//
// Exit status 1 when a measure misses its budget or a suite throws; a measure
// without a budget is reported as "no budget" and does not fail the run.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchSuite, type Budgets, type Measure, withinBudget } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ci = args.includes('--ci');
const filters = args.filter((arg) => !arg.startsWith('--'));

interface Row extends Measure {
  suite: string;
  budget: string;
  status: 'pass' | 'FAIL' | 'no budget';
}

function describeBudget(budgets: Budgets, name: string): string {
  const budget = budgets[name];
  if (!budget) return '—';
  const parts: string[] = [];
  if (budget.min !== undefined) parts.push(`≥ ${budget.min}`);
  if (budget.max !== undefined) parts.push(`≤ ${budget.max}`);
  return parts.join(', ');
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(3);
}

async function main(): Promise<number> {
  const budgets = JSON.parse(readFileSync(join(root, 'bench/budgets.json'), 'utf8')) as Budgets;
  const suiteDir = join(root, 'bench/suites');
  const files = readdirSync(suiteDir)
    .filter((name) => name.endsWith('.bench.ts'))
    .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
    .sort();
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const file of files) {
    const started = Date.now();
    try {
      const module = (await import(pathToFileURL(join(suiteDir, file)).href)) as { suite?: BenchSuite };
      if (!module.suite) throw new Error(`${file} does not export "suite"`);
      const measures = await module.suite.run({ ci, root });
      for (const measure of measures) {
        const budget = budgets[measure.name];
        const status = budget ? (withinBudget(measure.value, budget) ? 'pass' : 'FAIL') : 'no budget';
        if (status === 'FAIL') failures.push(`${measure.name} = ${measure.value} (budget ${describeBudget(budgets, measure.name)})`);
        rows.push({ ...measure, suite: module.suite.name, budget: describeBudget(budgets, measure.name), status });
      }
      console.error(`bench: ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(`${file} threw: ${(error as Error).stack ?? String(error)}`);
    }
  }
  const missing = Object.keys(budgets).filter((name) => !rows.some((row) => row.name === name));
  writeFileSync(
    join(root, 'bench/report.json'),
    JSON.stringify({ ci, date: new Date().toISOString(), node: process.version, arch: process.arch, rows, failures, missing }, null, 2),
  );
  console.log('| measure | value | unit | budget | result |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.name} | ${formatValue(row.value)} | ${row.unit} | ${row.budget} | ${row.status} |`);
  // A budget nobody measures is a check that silently stopped running.
  if (missing.length > 0 && filters.length === 0) failures.push(`budgets with no measure this run: ${missing.join(', ')}`);
  if (failures.length > 0) {
    console.log(`\n${failures.length} budget(s) missed or suite(s) failed:\n- ${failures.join('\n- ')}`);
    return 1;
  }
  console.log(`\nall ${rows.filter((row) => row.status === 'pass').length} budgeted measures within budget`);
  return 0;
}

process.exit(await main());
