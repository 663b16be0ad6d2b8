// Unit tests of copy-truncate rotation (log-rotation.ts) and the rotating
// follower (log-reader.ts) on plain files, with an O_APPEND writer standing in
// for the shim: no container needed, so every interleaving is scripted.
import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter, mergeByArrival, readLogLines } from '../../../runtime/containers/executor/log-reader.js';
import { generationPath, listGenerations, rotateIfOver } from '../../../runtime/containers/executor/log-rotation.js';
import { collect } from './support.js';

const test = suite('log rotation');
let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgectl-logrot-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i}`).join('\n') + '\n';
const readOnce = (path: string, includeRotated = true): Promise<string[]> =>
  collect(readLogLines(path, { follow: false, includeRotated, lineBytesMax: 1024, pollMs: 10, isFinished: async () => true }));

test('a file under the cap is left alone', async () => {
  // Proves rotation only happens past the cap.
  const live = join(dir, 'stdout.log');
  await writeFile(live, lines(0, 10));
  assert.is(await rotateIfOver(live, { fileBytesMax: 1000, filesKept: 2 }), 0);
  assert.equal(await listGenerations(live), []);
});

test('past the cap the content moves to the next generation and the live file restarts at zero', async () => {
  // Proves copy then truncate: nothing lost, nothing duplicated, writer (O_APPEND) continues at offset 0.
  const live = join(dir, 'stdout.log');
  const writer = openSync(live, 'a');
  writeSync(writer, lines(0, 100));
  const before = (await stat(live)).size;
  assert.is(await rotateIfOver(live, { fileBytesMax: 500, filesKept: 2 }), before);
  assert.equal(await listGenerations(live), [1]);
  assert.is((await stat(live)).size, 0);
  writeSync(writer, lines(100, 110));
  closeSync(writer);
  assert.is((await stat(live)).size, Buffer.byteLength(lines(100, 110)), 'an O_APPEND writer leaves no hole after truncation');
  assert.is(await readFile(generationPath(live, 1), 'utf8'), lines(0, 100));
  assert.equal(await readOnce(live), lines(0, 110).trimEnd().split('\n'));
  assert.equal(await readOnce(live, false), lines(100, 110).trimEnd().split('\n'));
});

test('only the newest filesKept generations stay; 0 keeps none', async () => {
  // Proves the disk bound: old generations are deleted, and filesKept 0 truncates without copying.
  const live = join(dir, 'stdout.log');
  for (let round = 0; round < 4; round++) {
    appendFileSync(live, lines(round * 100, round * 100 + 100));
    await rotateIfOver(live, { fileBytesMax: 100, filesKept: 2 });
  }
  assert.equal(await listGenerations(live), [3, 4]);
  const bare = join(dir, 'stderr.log');
  appendFileSync(bare, lines(0, 100));
  await rotateIfOver(bare, { fileBytesMax: 100, filesKept: 0 });
  assert.equal(await listGenerations(bare), []);
  assert.is((await stat(bare)).size, 0);
});

test('a follower reads across rotations without loss or repeats and stops when the writer is done', async () => {
  // Proves follow: the reader's offset carries into the rotated generation, then restarts in the new live file.
  const live = join(dir, 'stdout.log');
  await writeFile(live, '');
  let finished = false;
  const reader = collect(readLogLines(live, { follow: true, includeRotated: true, lineBytesMax: 1024, pollMs: 5, isFinished: async () => finished }));
  for (let batch = 0; batch < 20; batch++) {
    appendFileSync(live, lines(batch * 50, batch * 50 + 50));
    if (batch % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 8));
    await rotateIfOver(live, { fileBytesMax: 600, filesKept: 3 });
  }
  finished = true;
  const received = await reader;
  assert.equal(received, lines(0, 1000).trimEnd().split('\n'));
  assert.ok((await listGenerations(live)).length > 0, 'rotation did happen during the follow');
});

test('long lines arrive in pieces of lineBytesMax, and an unfinished last line is flushed', () => {
  // Proves the line buffer is bounded and the tail is not lost.
  const splitter = new LineSplitter(4);
  assert.equal(splitter.push(Buffer.from('ab\nabcdefghij\nxy')), ['ab', 'abcd', 'efgh', 'ij']);
  assert.equal(splitter.push(Buffer.from('z')), []);
  assert.equal(splitter.flush(), ['xyz']);
  assert.equal(splitter.flush(), []);
});

test('mergeByArrival interleaves sources and ends when all do', async () => {
  // Proves the follow-mode merge of stdout and stderr delivers everything from both.
  async function* slow(prefix: string, count: number, delayMs: number): AsyncGenerator<string> {
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      yield `${prefix}${i}`;
    }
  }
  const merged = await collect(mergeByArrival([slow('a', 3, 5), slow('b', 2, 7)]));
  assert.equal([...merged].sort(), ['a0', 'a1', 'a2', 'b0', 'b1']);
  assert.equal(merged.filter((item) => item.startsWith('a')), ['a0', 'a1', 'a2'], 'order within a source is kept');
});

test.run();
