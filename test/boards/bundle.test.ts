// Proves the bundled agent carries every profile: an esbuild bundle run from a directory with no boards/ folder lists exactly the files in boards/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const repo = new URL('../../', import.meta.url).pathname;

test('a bundle of runtime/boards runs without boards/ next to it and sees every profile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bundle-'));
  try {
    const outfile = join(dir, 'probe.js');
    // Same esbuild settings that matter as scripts/bundle.mjs: node platform, ESM, bundled.
    await build({
      absWorkingDir: repo,
      stdin: {
        contents:
          "import { builtinProfiles } from './runtime/boards/profiles.ts';\n" +
          "import { detectHostBoard } from './runtime/boards/detect.ts';\n" +
          'console.log(JSON.stringify({ profiles: builtinProfiles(), board: detectHostBoard({ rootDir: process.argv[2], arch: "arm64" }).board }));',
        resolveDir: repo,
        loader: 'ts',
      },
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      logLevel: 'silent',
    });
    const output = execFileSync(process.execPath, [outfile, join(repo, 'test/boards/fixtures/pi5-8gb')], { cwd: dir, encoding: 'utf8' });
    const result = JSON.parse(output) as { profiles: Array<{ id: string }>; board: string };
    const files = readdirSync(join(repo, 'boards')).filter((name) => name.endsWith('.json')).sort();
    const fromDisk = files.map((file) => JSON.parse(readFileSync(join(repo, 'boards', file), 'utf8')) as { id: string });
    assert.equal(result.profiles, fromDisk);
    assert.is(result.board, 'pi5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
