// `edgectl swarm ca --rotate` on real hosts: three managers and a worker move
// to a new root CA while their links keep working; a worker that is down
// holds the rotation back until it returns, a manager restarted mid-rotation
// carries on from what it saved; afterwards every node's
// saved certificate comes from the new root and trusts only it, writes and
// leader failover still work, the join tokens pin the new root (an old token
// is refused, a new one admits a fresh node), and a node restored with its
// pre-rotation credentials cannot connect.
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Fleet, edgectlBundle, leaderAmong, nodesByHostname, waitUntil } from './fleet.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter');

interface SavedCredentials {
  certPem: string;
  caBundlePem: string;
}

function credentialsPath(fleet: Fleet, index: number): string {
  return join(fleet.lab.host(index).dataDir, 'pki', 'node-credentials.json');
}

function savedCredentials(fleet: Fleet, index: number): SavedCredentials {
  return JSON.parse(readFileSync(credentialsPath(fleet, index), 'utf8')) as SavedCredentials;
}

function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

/** True when host i's saved certificate is signed by `root` and its bundle trusts `root` alone. */
function movedTo(fleet: Fleet, index: number, root: X509Certificate): boolean {
  const saved = savedCredentials(fleet, index);
  const leaf = certificatesIn(saved.certPem)[0]!;
  const bundle = certificatesIn(saved.caBundlePem);
  return leaf.checkIssued(root) && leaf.verify(root.publicKey) && bundle.length === 1 && bundle[0]!.fingerprint256 === root.fingerprint256;
}

/** Runs edgectl without blocking the test (Fleet.edgectl waits synchronously): the test acts while the command waits. */
function runEdgectl(fleet: Fleet, index: number, args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [edgectlBundle, '--host', fleet.lab.host(index).controlSocket, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('swarm ca --rotate moves every node to a new root; tokens, failover and refusals follow', async () => {
  if (!ready) return;
  const fleet = Fleet.create({ name: 'carot', hosts: 5 });
  const all = [1, 2, 3, 4];
  await fleet.run(async () => {
    for (const index of [...all, 5]) fleet.start(index);
    for (const index of [...all, 5]) await fleet.ready(index);
    const init = await fleet.call(1, 'swarm.init', {});
    for (const index of [2, 3]) await fleet.call(index, 'swarm.join', { token: init.managerToken, manager: fleet.address(1) });
    await fleet.call(4, 'swarm.join', { token: init.workerToken, manager: fleet.address(1) });
    await waitUntil(async () => [...(await nodesByHostname(fleet, 1)).values()].filter((node) => node.status === 'ready').length === 4, 30_000, 'four ready nodes');
    const before = await fleet.call(1, 'swarm.ca', {});
    const workerCredentialsBefore = readFileSync(credentialsPath(fleet, 4), 'utf8');

    // The worker is down when the rotation starts: it blocks the finish and is named until it returns.
    await fleet.stop(4);
    const rotationStarted = Date.now();
    const cli = runEdgectl(fleet, 2, ['swarm', 'ca', '--rotate']);
    await waitUntil(async () => {
      const shown = await fleet.call(1, 'swarm.ca', {});
      return shown.rotation?.pending.length === 1 && shown.rotation.pending[0].hostname === 'host4';
    }, 20_000, 'every node but the stopped worker to move to the new root');
    // A manager killed and restarted mid-rotation comes back on the credentials it saved (two roots, bridge chain).
    fleet.kill(3);
    fleet.start(3);
    await fleet.ready(3);
    // A linearizable read on host3 needs its Raft links to the others: they work on the saved credentials.
    await waitUntil(async () => {
      try {
        return (await nodesByHostname(fleet, 3)).size === 4;
      } catch {
        return false;
      }
    }, 30_000, 'the restarted manager to serve a quorum read');
    assert.is((await fleet.call(1, 'swarm.ca', {})).rotation?.pending[0]?.hostname, 'host4', 'still waiting for the worker');
    fleet.start(4);
    const outcome = await cli;
    console.log(`rotation finished ${Date.now() - rotationStarted} ms after it started (4 nodes, one of them down for a while)`);
    assert.is(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stderr, /nodes have a certificate from the new root; waiting for host4/);
    const printedTokens = [...outcome.stdout.matchAll(/edgectl swarm join --token (\S+)/g)].map((match) => match[1]!);
    const rotated = { digestHex: /New root digest: sha256:([0-9a-f]{64})/.exec(outcome.stdout)?.[1] ?? '', workerToken: printedTokens[0], managerToken: printedTokens[1] };
    assert.is.not(rotated.digestHex, before.digestHex);
    const after = await fleet.call(1, 'swarm.ca', {});
    assert.is(after.digestHex, rotated.digestHex);
    assert.is(after.generation, before.generation + 1);
    assert.is(after.rotation, undefined);
    const newRoot = new X509Certificate(after.certPem);

    // Workers drop the old root at their next session refresh (every 3 s).
    await waitUntil(() => all.every((index) => movedTo(fleet, index, newRoot)), 15_000, 'every saved certificate from the new root, bundles trusting only it');
    const nodes = await nodesByHostname(fleet, 1);
    for (const node of nodes.values()) {
      assert.is(node.certRootDigestHex, rotated.digestHex, `${node.hostname} reports a certificate from the new root`);
      assert.is(node.status, 'ready', `${node.hostname} stayed ready`);
    }
    // Links kept working throughout: no node refused another's certificate while the roots changed.
    for (const index of all) assert.not.match(fleet.logs(index), /EDGE_PKI_/, `host${index} refused no peer during the rotation`);
    await fleet.call(3, 'node.update', { ref: 'host4', labelsAdd: { rotated: 'yes' } });
    assert.is((await nodesByHostname(fleet, 1)).get('host4').labels.rotated, 'yes');

    // The tokens pin the new root: the old worker token is refused, the new one admits a fresh node.
    assert.ok(rotated.workerToken?.includes(rotated.digestHex), 'the new worker token pins the new root');
    assert.ok(rotated.managerToken?.includes(rotated.digestHex), 'the new manager token pins the new root');
    let refusal: { code?: string; message?: string } = {};
    try {
      await fleet.call(5, 'swarm.join', { token: init.workerToken, manager: fleet.address(3), timeoutMs: 10_000 });
    } catch (error) {
      refusal = error as { code?: string; message?: string };
    }
    assert.is(refusal.code, 'EDGE_PKI_CA_MISMATCH');
    assert.match(refusal.message ?? '', /rotated/);

    // A leader killed after the rotation: the others elect a new one and take writes.
    const leader = await leaderAmong(fleet, [1, 2, 3]);
    fleet.kill(leader);
    const survivors = [1, 2, 3].filter((index) => index !== leader);
    const newLeader = await leaderAmong(fleet, survivors);
    console.log(`failover after rotation: host${leader} killed, host${newLeader} leads`);
    await fleet.call(survivors[0]!, 'node.update', { ref: 'host4', labelsAdd: { failover: 'yes' } });
    await fleet.call(5, 'swarm.join', { token: rotated.workerToken, manager: fleet.address(newLeader) });
    assert.ok(movedTo(fleet, 5, newRoot), 'the fresh node got a certificate from the new root');
    // The killed manager comes back on the credentials it saved during the rotation.
    fleet.start(leader);
    await waitUntil(async () => {
      const view = await nodesByHostname(fleet, newLeader);
      return ['host1', 'host2', 'host3', 'host4', 'host5'].every((name) => view.get(name)?.status === 'ready');
    }, 40_000, 'all five nodes ready, the restarted manager included');

    // A node put back on its pre-rotation credentials is refused by every manager.
    await fleet.stop(4);
    writeFileSync(credentialsPath(fleet, 4), workerCredentialsBefore, { mode: 0o600 });
    fleet.start(4);
    const refusedOldRoot = /refused a connection from \S+: EDGE_PKI_CERT_UNTRUSTED/;
    await waitUntil(() => [1, 2, 3].some((index) => refusedOldRoot.test(fleet.logs(index))), 20_000, 'a manager to refuse the old-root certificate');
  }, { logHosts: [1, 2, 3, 4, 5] });
});

test.run();
