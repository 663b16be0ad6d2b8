// Proves the swarm commands and `info` send the right control requests and print what Swarm users expect.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeError } from '../../runtime/common/errors.js';
import { activeInfo, edgectl, managerToken, startDaemon, workerToken, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;
const normalInitAnswer = { nodeId: 'n0de1d', clusterId: 'c1u5t3r', addr: '192.168.1.20:4270', workerToken, managerToken };
let initAnswer: Record<string, unknown> = normalInitAnswer;

const oldDigest = 'a'.repeat(64);
const newDigest = 'b'.repeat(64);
const rootPem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const caShown = { certPem: rootPem, digestHex: oldDigest, notBeforeMs: 1_700_000_000_000, notAfterMs: 2_300_000_000_000, generation: 1 };
const rotationRunning = {
  nextDigestHex: newDigest,
  previousDigestHex: oldDigest,
  startedAtMs: 1_700_000_000_000,
  nodesTotal: 2,
  nodesDone: 1,
  pending: [{ id: 'a7b2c9d4e1f6', hostname: 'pi-garage', status: 'down' }],
};
/** What successive swarm.ca calls answer; the last one repeats. */
let caAnswers: unknown[] = [caShown];
let tokensHeld = true;

test.before(async () => {
  daemon = await startDaemon({
    'swarm.init': () => initAnswer,
    'swarm.join': (body: { manager?: string }) => ({ nodeId: 'n0de2', clusterId: 'c1u5t3r', role: 'worker', manager: body.manager ?? '192.168.1.20:4270' }),
    'swarm.ca': () => (caAnswers.length > 1 ? caAnswers.shift() : caAnswers[0]),
    'swarm.caRotate': () => ({ nextDigestHex: newDigest, previousDigestHex: oldDigest, startedAtMs: 1_700_000_000_000 }),
    'swarm.joinToken': (body: { role: 'worker' | 'manager' }) => {
      if (!tokensHeld) throw new EdgeError('EDGE_TOKEN_NOT_HELD', 'this manager does not hold the current token');
      return {
      role: body.role,
      token: body.role === 'worker' ? workerToken : managerToken,
      createdAtMs: 1_700_000_000_000,
      managerAddr: '192.168.1.20:4270',
      };
    },
    'swarm.leave': (body: { force: boolean }) => {
      if (!body.force) throw new EdgeError('EDGE_LEAVE_LOSES_QUORUM', 'leaving would cost the swarm its quorum; demote this manager first, or pass --force');
      return { left: true };
    },
    'swarm.info': () => activeInfo,
  });
});
test.after(() => daemon.close());
test.before.each(() => {
  daemon.calls.length = 0;
  initAnswer = normalInitAnswer;
  caAnswers = [caShown];
  tokensHeld = true;
});

test('swarm init sends the normalised address and expiry, and prints both join commands', async () => {
  const result = await edgectl(['swarm', 'init', '--advertise-addr', '192.168.1.20', '--cert-expiry', '90d'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls, [{ method: 'swarm.init', body: { advertiseAddr: '192.168.1.20:4270', certExpiryMs: 90 * 86_400_000 } }]);
  assert.match(result.stdout, 'Swarm initialized: current node (n0de1d) is now a manager.');
  assert.match(result.stdout, `edgectl swarm join --token ${workerToken} 192.168.1.20:4270`);
  assert.match(result.stdout, `edgectl swarm join --token ${managerToken} 192.168.1.20:4270`);
  assert.match(result.stdout, /mDNS/);
});

test('swarm init accepts hours and --force-new-cluster; --json prints the answer as JSON', async () => {
  const result = await edgectl(['swarm', 'init', '--cert-expiry', '2160h', '--force-new-cluster', '--json'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls[0]?.body, { certExpiryMs: 2160 * 3_600_000, forceNewCluster: true });
  assert.equal(JSON.parse(result.stdout).workerToken, workerToken);
});

test('a forced new cluster prints edged\'s warning on stderr, and says how to get tokens this manager cannot print', async () => {
  initAnswer = { ...normalInitAnswer, workerToken: '', warning: 'the cluster still had a leader' };
  const result = await edgectl(['swarm', 'init', '--force-new-cluster'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls[0]?.body, { forceNewCluster: true });
  assert.match(result.stderr, 'Warning: the cluster still had a leader');
  assert.match(result.stdout, 'The worker join token is unchanged; this manager cannot print it: `edgectl swarm join-token --rotate worker`');
  assert.not.match(result.stdout, 'swarm join --token  ');
  assert.match(result.stdout, `edgectl swarm join --token ${managerToken} 192.168.1.20:4270`);
});

test('a bad --cert-expiry is refused before edged is asked, naming the flag, with exit 2 and the usage', async () => {
  for (const bad of ['90', 'ninety', '30m', '4000d']) {
    const result = await edgectl(['swarm', 'init', '--cert-expiry', bad], { socketPath: daemon.socketPath });
    assert.is(result.code, 2, bad);
    assert.match(result.stderr, '--cert-expiry');
    assert.match(result.stderr, 'EDGE_CLI_INVALID_VALUE');
    assert.match(result.stderr, 'Usage: edgectl swarm init');
  }
  assert.is(daemon.calls.length, 0);
});

test('swarm join with an address sends it with the default port and shows progress on stderr', async () => {
  const result = await edgectl(['swarm', 'join', '--token', workerToken, '192.168.1.20'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls, [{ method: 'swarm.join', body: { token: workerToken, timeoutMs: 60_000, manager: '192.168.1.20:4270' } }]);
  assert.match(result.stderr, 'contacting manager 192.168.1.20:4270');
  assert.match(result.stdout, 'This node joined a swarm as a worker');
});

test('swarm join without an address leaves it to mDNS and says it is looking on the LAN', async () => {
  const result = await edgectl(['swarm', 'join', '--token', workerToken, '--timeout', '2m'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls[0]?.body, { token: workerToken, timeoutMs: 120_000 });
  assert.match(result.stderr, 'looking for managers on the LAN');
});

test('swarm join --json prints only JSON and no progress line', async () => {
  const result = await edgectl(['swarm', 'join', '--json', '--token', workerToken, '[fe80::1]:5000'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '');
  assert.equal(JSON.parse(result.stdout), { nodeId: 'n0de2', clusterId: 'c1u5t3r', role: 'worker', manager: '[fe80::1]:5000' });
});

test('swarm join refuses a malformed token or address client-side with exit 2', async () => {
  const cases: [string[], string, string][] = [
    [['--token', 'SWMTKN-1-abc'], 'EDGE_CLI_TOKEN_MALFORMED', 'EDGE1-'],
    [['--token', `EDGE1-${'ab'.repeat(31)}-secretsecretsecret`], 'EDGE_CLI_TOKEN_MALFORMED', '64 hex'],
    [['--token', `EDGE1-${'ab'.repeat(32)}-short`], 'EDGE_CLI_TOKEN_MALFORMED', 'secret of 5 characters'],
    [['--token', workerToken, 'pi-kitchen'], 'EDGE_CLI_INVALID_VALUE', 'MANAGER_ADDR'],
    [['--token', workerToken, '192.168.1.20:99999'], 'EDGE_CLI_INVALID_VALUE', 'port'],
    [[], 'EDGE_CLI_USAGE', 'missing --token'],
  ];
  for (const [args, code, text] of cases) {
    const result = await edgectl(['swarm', 'join', ...args], { socketPath: daemon.socketPath });
    assert.is(result.code, 2, args.join(' '));
    assert.match(result.stderr, code);
    assert.match(result.stderr, text);
    assert.match(result.stderr, 'Usage: edgectl swarm join [OPTIONS] [MANAGER_ADDR]');
    assert.not.match(result.stderr, 'secretsecret', 'a token is a credential: errors do not repeat it');
  }
  assert.is(daemon.calls.length, 0);
});

test('swarm join-token prints the join command; -q only the token; --rotate asks edged to rotate', async () => {
  const shown = await edgectl(['swarm', 'join-token', 'worker'], { socketPath: daemon.socketPath });
  assert.is(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, `edgectl swarm join --token ${workerToken} 192.168.1.20:4270`);
  const quiet = await edgectl(['swarm', 'join-token', '-q', 'manager'], { socketPath: daemon.socketPath });
  assert.is(quiet.stdout, `${managerToken}\n`);
  const rotated = await edgectl(['swarm', 'join-token', '--rotate', 'worker'], { socketPath: daemon.socketPath });
  assert.match(rotated.stdout, 'Successfully rotated worker join token.');
  assert.equal(
    daemon.calls.map((call) => call.body),
    [
      { role: 'worker', rotate: false },
      { role: 'manager', rotate: false },
      { role: 'worker', rotate: true },
    ],
  );
});

test('swarm join-token refuses a role other than worker or manager', async () => {
  const result = await edgectl(['swarm', 'join-token', 'admin'], { socketPath: daemon.socketPath });
  assert.is(result.code, 2);
  assert.match(result.stderr, '"admin" is not one of worker, manager');
  assert.is(daemon.calls.length, 0);
});

test("swarm leave passes --force; without it edged's refusal is printed with its code, exit 1", async () => {
  const refused = await edgectl(['swarm', 'leave'], { socketPath: daemon.socketPath });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'leaving would cost the swarm its quorum; demote this manager first, or pass --force [EDGE_LEAVE_LOSES_QUORUM]');
  const forced = await edgectl(['swarm', 'leave', '-f'], { socketPath: daemon.socketPath });
  assert.is(forced.code, 0, forced.stderr);
  assert.is(forced.stdout, 'Node left the swarm.\n');
  assert.equal(daemon.calls[1], { method: 'swarm.leave', body: { force: true } });
});

test('swarm ca prints the root certificate and its digest; --json the whole answer', async () => {
  const human = await edgectl(['swarm', 'ca'], { socketPath: daemon.socketPath });
  assert.is(human.code, 0, human.stderr);
  assert.is(human.stdout, `${rootPem}Digest: sha256:${oldDigest}\n`);
  const machine = await edgectl(['swarm', 'ca', '--json'], { socketPath: daemon.socketPath });
  assert.equal(JSON.parse(machine.stdout), caShown);
});

test('swarm ca during a rotation shows its progress and what to do about a down node', async () => {
  caAnswers = [{ ...caShown, rotation: rotationRunning }];
  const result = await edgectl(['swarm', 'ca'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, `Rotation to sha256:${newDigest} in progress: 1/2 nodes have a certificate from the new root; waiting for pi-garage (down: bring it back or \`edgectl node rm pi-garage\`)`);
});

test('swarm ca --rotate starts the rotation, shows progress until the new root is current, then prints the digest and new tokens', async () => {
  caAnswers = [caShown, { ...caShown, rotation: rotationRunning }, { ...caShown, digestHex: newDigest, generation: 2 }];
  const result = await edgectl(['swarm', 'ca', '--rotate'], { socketPath: daemon.socketPath });
  assert.is(result.code, 0, result.stderr);
  assert.equal(daemon.calls.map((call) => call.method), ['swarm.caRotate', 'swarm.ca', 'swarm.ca', 'swarm.ca', 'swarm.joinToken', 'swarm.joinToken']);
  assert.equal(daemon.calls[1]?.body, { stale: true });
  assert.match(result.stderr, 'root CA rotation started: new root sha256:bbbbbbbbbbbb');
  assert.match(result.stderr, 'waiting for this manager to see the rotation');
  assert.match(result.stderr, '1/2 nodes have a certificate from the new root; waiting for pi-garage (down: bring it back or `edgectl node rm pi-garage`)');
  assert.match(result.stdout, `New root digest: sha256:${newDigest}`);
  assert.match(result.stdout, `edgectl swarm join --token ${workerToken} 192.168.1.20:4270`);
  assert.match(result.stdout, `edgectl swarm join --token ${managerToken} 192.168.1.20:4270`);
});

test('swarm ca --rotate --json prints digests and tokens; a manager without the new tokens says where to get them', async () => {
  caAnswers = [{ ...caShown, digestHex: newDigest }];
  const machine = await edgectl(['swarm', 'ca', '--rotate', '--json'], { socketPath: daemon.socketPath });
  assert.is(machine.code, 0, machine.stderr);
  assert.equal(JSON.parse(machine.stdout), { digestHex: newDigest, previousDigestHex: oldDigest, workerToken, managerToken });
  tokensHeld = false;
  const human = await edgectl(['swarm', 'ca', '--rotate'], { socketPath: daemon.socketPath });
  assert.is(human.code, 0, human.stderr);
  assert.match(human.stdout, 'this manager does not hold the new ones');
});

test('swarm ca --rotate --detach returns once started; --detach alone is a usage error', async () => {
  const detached = await edgectl(['swarm', 'ca', '--rotate', '-d'], { socketPath: daemon.socketPath });
  assert.is(detached.code, 0, detached.stderr);
  assert.equal(daemon.calls.map((call) => call.method), ['swarm.caRotate']);
  assert.match(detached.stdout, 'Follow it with `edgectl swarm ca`');
  const alone = await edgectl(['swarm', 'ca', '--detach'], { socketPath: daemon.socketPath });
  assert.is(alone.code, 2);
  assert.match(alone.stderr, '--detach only applies with --rotate');
  assert.is(daemon.calls.length, 1);
});

test('info prints state, node, role, cluster, counts, leader, version and arch; --json the raw answer', async () => {
  const human = await edgectl(['info'], { socketPath: daemon.socketPath });
  assert.is(human.code, 0, human.stderr);
  for (const text of ['Swarm:', 'active', activeInfo.nodeId, 'Is Manager:', 'true', activeInfo.clusterId, 'Managers:', 'Nodes:', 'Leader:', '0.1.0', 'arm64']) {
    assert.match(human.stdout, text);
  }
  const machine = await edgectl(['info', '--json'], { socketPath: daemon.socketPath });
  assert.equal(JSON.parse(machine.stdout), activeInfo);
});

test.run();
