import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DAY_MS, PLAUSIBLE_MS, issueNode, makeCa } from './helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Runs the verify-only fixture in a fresh process and returns what it printed and every module it resolved. */
async function runWorker(mode: 'verify' | 'issue'): Promise<{ output: { nodeId: string; matches: boolean }; resolved: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-lazy-'));
  try {
    const { ca } = await makeCa('cluster-a');
    const { certPem } = await issueNode(ca, { nodeId: 'node-lazy' });
    await writeFile(join(directory, 'ca.pem'), ca.certPem);
    await writeFile(join(directory, 'leaf.pem'), certPem);
    const log = join(directory, 'imports.log');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--import', join(fixtures, 'record-imports.mjs'), join(fixtures, 'verify-only.ts'), mode, join(directory, 'ca.pem'), join(directory, 'leaf.pem'), String(PLAUSIBLE_MS + DAY_MS)],
      { cwd: root, env: { ...process.env, EDGE_IMPORT_LOG: log } },
    );
    return { output: JSON.parse(stdout) as { nodeId: string; matches: boolean }, resolved: await readFile(log, 'utf8') };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

test('a process that only verifies never loads @peculiar/x509', async () => {
  // Proves the lazy-loading promise end to end: importing the PKI index and verifying a chain resolves no module of the library.
  const { output, resolved } = await runWorker('verify');
  assert.equal([output.nodeId, output.matches], ['node-lazy', true]);
  assert.match(resolved, 'runtime/pki/peer-verifier.ts');
  assert.not.match(resolved, '@peculiar/x509');
  assert.not.match(resolved, 'tsyringe');
});

test('making a CSR in the same kind of process does load it (the check above can fail)', async () => {
  // Proves the recorder sees the library when it is loaded, so the previous test is not vacuous.
  const { resolved } = await runWorker('issue');
  assert.match(resolved, '@peculiar/x509');
});

test.run();
