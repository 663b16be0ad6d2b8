// The scheduler stays a pure core: no node:* imports, no clock, no randomness, no timers, small files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = join(root, 'runtime/scheduler');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('no scheduler file reaches for I/O, time or randomness', () => {
  // Proves the purity rule by reading every source file: the same snapshot must give the same decisions on every manager.
  const forbidden: Array<[RegExp, string]> = [
    [/from\s+['"]node:/, 'node:* import'],
    [/from\s+['"](fs|os|net|child_process|crypto|timers)['"]/, 'bare node builtin import'],
    [/\bDate\b/, 'Date'],
    [/Math\.random/, 'Math.random'],
    [/performance\.now|process\./, 'process or clock'],
    [/set(Timeout|Interval|Immediate)\(/, 'timer'],
    [/localeCompare/, 'locale-dependent order'],
  ];
  const files = sources(folder);
  assert.ok(files.length >= 10, 'found the scheduler sources');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // Comments may name what the code avoids ("nodes report process.arch"); only code is checked.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    for (const [pattern, what] of forbidden) assert.not.ok(pattern.test(code), `${relative(root, file)} uses ${what}`);
    assert.ok(text.split('\n').length < 500, `${relative(root, file)} is under 500 lines`);
  }
});

test.run();
