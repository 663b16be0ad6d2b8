// Proves edgectl's failures say what went wrong and what to do, carry a code, go to stderr and exit 1 (usage errors 2).
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectionError } from '../../runtime/cli/control-client.js';
import { activeInfo, edgectl, startDaemon, type FakeDaemon } from './support.js';

let daemon: FakeDaemon;

test.before(async () => {
  daemon = await startDaemon({
    'swarm.info': () => activeInfo,
    // An edged that dies mid-call: the link goes away before any answer.
    'node.ls': (_body, context) => {
      context.link.close('edged stopping');
      return new Promise(() => {});
    },
  });
});
test.after(() => daemon.close());

test('no socket: "cannot reach edged at PATH: is it running? (systemctl status edged)", exit 1', async () => {
  const missing = join(daemon.directory, 'nothing-here.sock');
  const result = await edgectl(['info', '--host', missing]);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(result.stderr, `cannot reach edged at ${missing}: is it running? (systemctl status edged)`);
  assert.match(result.stderr, 'EDGE_CLI_UNREACHABLE');
});

test('a socket file nobody listens on (left by a crash) gets the same advice', async () => {
  const leftover = join(daemon.directory, 'leftover.sock');
  writeFileSync(leftover, '');
  const result = await edgectl(['info'], { socketPath: leftover });
  assert.is(result.code, 1);
  assert.match(result.stderr, `cannot reach edged at ${leftover}: is it running?`);
});

test('EDGECTL_HOST picks the socket; --host wins over it', async () => {
  const fromEnv = await edgectl(['info', '--json'], { socketPath: daemon.socketPath });
  assert.is(fromEnv.code, 0, fromEnv.stderr);
  const overridden = await edgectl(['--host', daemon.socketPath, 'info', '--json'], { env: { EDGECTL_HOST: '/nonexistent/edged.sock' } });
  assert.is(overridden.code, 0, overridden.stderr);
  const empty = await edgectl(['info', '--host', '']);
  assert.is(empty.code, 2);
  assert.match(empty.stderr, '--host');
});

test('permission denied on the socket: "run as root (sudo)", exit 1', async () => {
  if (process.getuid?.() !== 0) {
    chmodSync(daemon.socketPath, 0o000);
    try {
      const result = await edgectl(['info'], { socketPath: daemon.socketPath });
      assert.is(result.code, 1);
      assert.match(result.stderr, `permission denied on ${daemon.socketPath}: run as root (sudo)`);
    } finally {
      chmodSync(daemon.socketPath, 0o600);
    }
    return;
  }
  // root opens any file: run the CLI as nobody against the root-only (0600) socket, in a directory nobody may enter.
  chmodSync(daemon.directory, 0o755);
  const entry = fileURLToPath(new URL('../../runtime/cli/main.ts', import.meta.url));
  const script = `const { run } = await import(${JSON.stringify(entry)}); process.exitCode = await run(['info'], { env: { EDGECTL_HOST: ${JSON.stringify(daemon.socketPath)} }, stdout: process.stdout, stderr: process.stderr });`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  assert.is(child.status, 1, child.stderr);
  assert.match(child.stderr, `permission denied on ${daemon.socketPath}: run as root (sudo)`);
  assert.match(child.stderr, 'EDGE_CLI_PERMISSION_DENIED');
});

test('socket errors other than "missing" and "denied" still name the socket and the code', () => {
  assert.is(connectionError('/run/x.sock', Object.assign(new Error('x'), { code: 'EPERM' })).code, 'EDGE_CLI_PERMISSION_DENIED');
  const other = connectionError('/run/x.sock', Object.assign(new Error('x'), { code: 'ENOTSOCK' }));
  assert.is(other.code, 'EDGE_CLI_UNREACHABLE');
  assert.match(other.message, '/run/x.sock (ENOTSOCK)');
});

test('edged going away mid-call is EDGE_CLI_CONNECTION_LOST with what to check, exit 1', async () => {
  const result = await edgectl(['node', 'ls'], { socketPath: daemon.socketPath });
  assert.is(result.code, 1);
  assert.match(result.stderr, 'closed during node.ls');
  assert.match(result.stderr, 'EDGE_CLI_CONNECTION_LOST');
});

test('a method this edged does not serve comes back with its own code and message', async () => {
  const result = await edgectl(['swarm', 'leave'], { socketPath: daemon.socketPath });
  assert.is(result.code, 1);
  assert.match(result.stderr, /^Error: no handler for swarm\.leave.* \[EDGE_LINK_NO_HANDLER\]\n$/);
});

test('under --json an error is one JSON object on stderr, stdout stays empty', async () => {
  const result = await edgectl(['info', '--json', '--host', join(daemon.directory, 'absent.sock')]);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  const printed = JSON.parse(result.stderr) as { error: { code: string; message: string; retryable: boolean } };
  assert.is(printed.error.code, 'EDGE_CLI_UNREACHABLE');
  assert.is(printed.error.retryable, true);
});

test('usage errors name the problem, print the usage and exit 2', async () => {
  const cases: [string[], string, string][] = [
    [['node', 'ls', '--bogus'], 'unknown flag --bogus', 'Usage: edgectl node ls [OPTIONS]'],
    [['node', 'inspect'], 'missing NODE', 'Usage: edgectl node inspect [OPTIONS] NODE...'],
    [['swarm', 'leave', 'now'], 'unexpected argument "now"', 'Usage: edgectl swarm leave [OPTIONS]'],
    [['swarm', 'init', '--advertise-addr'], 'flag --advertise-addr needs a value (ADDR)', 'Usage: edgectl swarm init'],
    [['swarm', 'init', '--json=yes'], 'flag --json takes no value', 'Usage: edgectl swarm init'],
    [['swarm', 'init', '--cert-expiry', '1d', '--cert-expiry', '2d'], 'flag --cert-expiry given twice', 'Usage: edgectl swarm init'],
    [['swarm', 'frobnicate'], 'unknown command "swarm frobnicate"', 'Usage: edgectl swarm COMMAND'],
    [['servce', 'ls'], 'unknown command "servce"', 'Usage: edgectl [OPTIONS] COMMAND'],
  ];
  for (const [argv, problem, usage] of cases) {
    const result = await edgectl(argv, { socketPath: daemon.socketPath });
    assert.is(result.code, 2, argv.join(' '));
    assert.is(result.stdout, '');
    assert.match(result.stderr, problem);
    assert.match(result.stderr, '[EDGE_CLI_USAGE]');
    assert.match(result.stderr, usage);
  }
});

test.run();
