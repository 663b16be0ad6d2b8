// The pure translations: a task's run spec checked against the node and
// turned into a ContainerSpec, the image's USER resolved to numbers, and a
// container's end turned into the words of its status.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContainerSpec, checkRunSpec, mergeEnv } from '../../runtime/agent/container-spec.js';
import { parseGroup, parsePasswd, resolveUser } from '../../runtime/agent/image-user.js';
import { formatBytes, outcomeOfExit } from '../../runtime/agent/outcome.js';
import { imageConfig, runSpec } from './support.js';

const test = suite('container spec');
const MiB = 1024 * 1024;
const node = { portsInUse: new Set<string>(), volumesSupported: false };

test('checkRunSpec accepts a plain spec and names the code of each refusal', () => {
  // Proves accept-time checks and their stable codes.
  assert.is(checkRunSpec(runSpec(), node), null);
  const cases: [Parameters<typeof runSpec>[0], string][] = [
    [{ ports: [{ published: 80, target: 8080, protocol: 'tcp' }] }, 'EDGE_AGENT_PORT_REMAP_UNSUPPORTED'],
    [{ ports: [{ published: 0, target: 0, protocol: 'tcp' }] }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
    [{ memoryLimitBytes: 5 * MiB }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
    [{ cpuLimit: 0.001 }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
    [{ env: { 'BAD-NAME': 'x' } }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
    [{ mounts: [{ type: 'bind', source: 'relative', target: '/x', readOnly: true }] }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
    [{ mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }] }, 'EDGE_AGENT_SPEC_UNSUPPORTED'],
  ];
  for (const [overrides, code] of cases) assert.is(checkRunSpec(runSpec(overrides), node)?.code, code, JSON.stringify(overrides));
  const busy = { portsInUse: new Set(['tcp/80']), volumesSupported: true };
  assert.is(checkRunSpec(runSpec({ ports: [{ published: 80, target: 80, protocol: 'tcp' }] }), busy)?.code, 'EDGE_AGENT_PORT_CONFLICT');
  assert.is(checkRunSpec(runSpec({ mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }] }), busy), null);
});

test('the port refusal says what to do instead', () => {
  // Proves the remap error is actionable.
  const message = checkRunSpec(runSpec({ ports: [{ published: 8080, target: 80, protocol: 'tcp' }] }), node)?.message ?? '';
  assert.match(message, 'cannot remap');
  assert.match(message, 'publish 80:80');
});

test('buildContainerSpec: command replaces entrypoint and cmd; zero limits are left out; health defaults fill zeros', () => {
  // Proves the merge rules of spec and image.
  const image = imageConfig({ entrypoint: ['/entry'], cmd: ['--flag'], workingDir: 'srv' });
  const base = { containerId: 'c1', rootfsPath: '/r', image, user: { uid: 1, gid: 2 }, volumePaths: new Map<string, string>() };
  const fromImage = buildContainerSpec({ ...base, spec: runSpec() });
  assert.equal(fromImage.args, ['/entry', '--flag']);
  assert.is(fromImage.cwd, '/srv');
  assert.equal(fromImage.resources, {});
  assert.is(fromImage.network, 'isolated');
  assert.is(fromImage.healthCheck, undefined);
  const overridden = buildContainerSpec({
    ...base,
    spec: runSpec({ command: ['/bin/own'], memoryLimitBytes: 8 * MiB, healthCheck: { command: ['true'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0 } }),
  });
  assert.equal(overridden.args, ['/bin/own']);
  assert.equal(overridden.resources, { memoryBytesMax: 8 * MiB });
  assert.equal(overridden.healthCheck, { command: ['true'], intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 });
  const volumes = buildContainerSpec({
    ...base,
    volumePaths: new Map([['data', '/var/lib/edgectl/volumes/data']]),
    spec: runSpec({ mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }, { type: 'bind', source: '/etc/hosts', target: '/etc/hosts', readOnly: true }] }),
  });
  assert.equal(volumes.volumes, [{ source: '/var/lib/edgectl/volumes/data', target: '/data', readOnly: false }, { source: '/etc/hosts', target: '/etc/hosts', readOnly: true }]);
});

test('mergeEnv keeps the image order, replaces same names, appends new ones', () => {
  // Proves env precedence: the service wins over the image.
  assert.equal(mergeEnv(['PATH=/bin', 'A=1', 'B=x=y'], { A: '2', C: '3' }), ['PATH=/bin', 'A=2', 'B=x=y', 'C=3']);
});

test('resolveUser handles names, numbers and pairs, as libcontainer does', () => {
  // Proves the USER forms and the refusal of unknown names.
  const passwd = parsePasswd('root:x:0:0::/root:/bin/sh\nwww:x:33:34::/var/www:/bin/false\nbroken line\n');
  const groups = parseGroup('root:x:0:\nstaff:x:50:\n');
  assert.equal(resolveUser('', passwd, groups), { uid: 0, gid: 0 });
  assert.equal(resolveUser('www', passwd, groups), { uid: 33, gid: 34 });
  assert.equal(resolveUser('33', passwd, groups), { uid: 33, gid: 34 });
  assert.equal(resolveUser('1000', passwd, groups), { uid: 1000, gid: 0 });
  assert.equal(resolveUser('www:staff', passwd, groups), { uid: 33, gid: 50 });
  assert.equal(resolveUser('1000:7', passwd, groups), { uid: 1000, gid: 7 });
  assert.throws(() => resolveUser('nobody', passwd, groups), (error: Error) => error.message.includes('user "nobody"'));
  assert.throws(() => resolveUser('www:wheel', passwd, groups), (error: Error) => error.message.includes('group "wheel"'));
});

test('outcomeOfExit: OOM names the limit; codes, signals, lost ends and requested stops read plainly', () => {
  // Proves the status words, including the exact OOM text.
  const end = (exitCode: number | null, extra: { oomKilled?: boolean; stopRequested?: boolean } = {}) => ({ exitCode, oomKilled: false, stopRequested: false, finishedAtMs: 0, ...extra });
  const limits = { memoryLimitBytes: 64 * MiB, failReason: null };
  assert.equal(outcomeOfExit(end(137, { oomKilled: true }), limits), { state: 'failed', message: 'killed by the kernel OOM killer', error: 'OOM-killed: limit 64 MiB', exitCode: 137 });
  assert.is(outcomeOfExit(end(0), limits).state, 'complete');
  assert.is(outcomeOfExit(end(139), limits).error, 'non-zero exit: exit code 139 (SIGSEGV)');
  assert.is(outcomeOfExit(end(null), limits).state, 'failed');
  assert.is(outcomeOfExit(end(143, { stopRequested: true }), limits).state, 'shutdown');
  assert.equal(outcomeOfExit(end(143, { stopRequested: true }), { ...limits, failReason: 'unhealthy' }).error, 'unhealthy');
  assert.is(formatBytes(96 * MiB + MiB / 2), '96.5 MiB');
});

test.run();
