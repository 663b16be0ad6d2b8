// Unit tests of spec validation (spec.ts) and config.json generation
// (oci-config.ts), for cgroup v1 and v2 hosts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../../runtime/common/errors.js';
import { ContainerSpecInvalidError } from '../../../runtime/containers/executor/errors.js';
import { buildOciConfig, defaultCapabilities, type OciMount } from '../../../runtime/containers/executor/oci-config.js';
import { defaultPath, validateSpec } from '../../../runtime/containers/executor/spec.js';
import type { ContainerSpec } from '../../../runtime/containers/executor/types.js';

const test = suite('oci-config');
const MiB = 1024 * 1024;
const base: ContainerSpec = { id: 'web.1', rootfsPath: '/var/lib/edgectl/rootfs/abc', args: ['/bin/server', '--port', '80'] };
const v1 = { cgroupVersion: 1 as const, cgroupsPath: '/edgectl/web.1/container' };
const v2 = { cgroupVersion: 2 as const, cgroupsPath: '/edgectl/web.1/container' };

function invalidField(spec: ContainerSpec): string {
  try {
    validateSpec(spec);
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_CONTAINER_SPEC_INVALID'));
    return (error as ContainerSpecInvalidError).field;
  }
  return '(accepted)';
}

test('bad specs are refused naming the field to fix', () => {
  // Proves validation covers each field from outside and says which one is wrong.
  assert.is(invalidField({ ...base, id: '' }), 'id');
  assert.is(invalidField({ ...base, id: '../x' }), 'id');
  assert.is(invalidField({ ...base, rootfsPath: 'relative/path' }), 'rootfsPath');
  assert.is(invalidField({ ...base, rootfsPath: '/a/../etc' }), 'rootfsPath');
  assert.is(invalidField({ ...base, args: [] }), 'args');
  assert.is(invalidField({ ...base, env: ['NOEQUALS'] }), 'env[0]');
  assert.is(invalidField({ ...base, cwd: 'tmp' }), 'cwd');
  assert.is(invalidField({ ...base, user: { uid: -1, gid: 0 } }), 'user.uid');
  assert.is(invalidField({ ...base, hostname: 'under_score' }), 'hostname');
  assert.is(invalidField({ ...base, network: 'bridge' as never }), 'network');
  assert.is(invalidField({ ...base, resources: { memoryBytesMax: 1024 } }), 'resources.memoryBytesMax');
  assert.is(invalidField({ ...base, resources: { cpuCoresMax: 0 } }), 'resources.cpuCoresMax');
  assert.is(invalidField({ ...base, resources: { cpuShares: 1 } }), 'resources.cpuShares');
  assert.is(invalidField({ ...base, resources: { pidsMax: 0 } }), 'resources.pidsMax');
  assert.is(invalidField({ ...base, volumes: [{ source: '/data', target: '/', readOnly: false }] }), 'volumes[0].target');
  assert.is(invalidField({ ...base, tmpfs: [{ target: '/tmp', mode: 0o17777 }] }), 'tmpfs[0].mode');
  assert.is(
    invalidField({ ...base, healthCheck: { command: ['true'], intervalMs: 0, timeoutMs: 1, retries: 1, startPeriodMs: 0 } }),
    'healthCheck.intervalMs',
  );
  assert.is(invalidField(base), '(accepted)');
});

test('defaults: PATH added, cwd /, root user, isolated network, hostname from the id', () => {
  // Proves the normalised spec fills what images expect when the spec is silent.
  const spec = validateSpec(base);
  assert.equal(spec.env, [defaultPath]);
  assert.is(spec.cwd, '/');
  assert.equal(spec.user, { uid: 0, gid: 0, additionalGids: [] });
  assert.is(spec.network, 'isolated');
  assert.is(spec.hostname, 'web-1');
  const withPath = validateSpec({ ...base, env: ['PATH=/opt/bin', 'A=1'] });
  assert.equal(withPath.env, ['PATH=/opt/bin', 'A=1']);
});

test('process: args, env, cwd, uid:gid, Docker default capabilities, no-new-privileges', () => {
  // Proves the process section carries the spec and the hardening defaults.
  const config = buildOciConfig(validateSpec({ ...base, env: ['A=1'], cwd: '/srv', user: { uid: 1000, gid: 100 } }), v1);
  const process = config.process as Record<string, unknown>;
  assert.equal(process.args, ['/bin/server', '--port', '80']);
  assert.equal(process.env, [defaultPath, 'A=1']);
  assert.is(process.cwd, '/srv');
  assert.equal(process.user, { uid: 1000, gid: 100 });
  assert.is(process.noNewPrivileges, true);
  assert.is(process.terminal, false);
  const caps = process.capabilities as Record<string, string[]>;
  assert.is(defaultCapabilities.length, 14);
  assert.equal(caps.bounding, [...defaultCapabilities]);
  assert.not.ok(caps.bounding?.includes('CAP_SYS_ADMIN'));
  assert.is(caps.ambient, undefined);
});

test('mounts: proc, read-only sys, dev tmpfs, pts, shm with its size, mqueue, tmpfs and volumes', () => {
  // Proves every standard mount is present with its options, and the spec's tmpfs/volumes follow them.
  const spec = validateSpec({
    ...base,
    shmBytes: 8 * MiB,
    tmpfs: [{ target: '/tmp', sizeBytes: 4 * MiB }],
    volumes: [
      { source: '/srv/data', target: '/data', readOnly: false },
      { source: '/etc/resolv.conf', target: '/etc/resolv.conf', readOnly: true },
    ],
  });
  const mounts = buildOciConfig(spec, v1).mounts;
  const at = (destination: string): OciMount | undefined => mounts.find((mount) => mount.destination === destination);
  assert.is(at('/proc')?.type, 'proc');
  assert.ok(at('/sys')?.options.includes('ro'), '/sys is read-only');
  assert.is(at('/dev')?.type, 'tmpfs');
  assert.ok(at('/dev/pts')?.options.includes('newinstance'));
  assert.ok(at('/dev/shm')?.options.includes(`size=${8 * MiB}`));
  assert.is(at('/dev/mqueue')?.type, 'mqueue');
  assert.equal(at('/tmp')?.options, ['nosuid', 'nodev', 'mode=1777', `size=${4 * MiB}`]);
  assert.equal(at('/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'rw'] });
  assert.ok(at('/etc/resolv.conf')?.options.includes('ro'));
  assert.is(at('/sys/fs/cgroup'), undefined, 'no cgroup mount on v1 (it would show the host tree)');
  assert.is(buildOciConfig(spec, v2).mounts.find((mount) => mount.destination === '/sys/fs/cgroup')?.type, 'cgroup2');
});

test('namespaces: isolated network gets its own, host network none; cgroup namespace only on v2', () => {
  // Proves the two network modes and the v1/v2 difference.
  const types = (spec: ContainerSpec, host: typeof v1 | typeof v2): string[] =>
    ((buildOciConfig(validateSpec(spec), host).linux.namespaces as { type: string }[]) ?? []).map((ns) => ns.type).sort();
  assert.equal(types(base, v1), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(types({ ...base, network: 'host' }, v1), ['ipc', 'mount', 'pid', 'uts']);
  assert.equal(types(base, v2), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
});

test('resources: memory with swap off, CPU quota over the period and shares, pids, device allow-list', () => {
  // Proves each limit lands in the runtime-spec field runc and crun read, with swap equal to memory.
  const spec = validateSpec({ ...base, resources: { memoryBytesMax: 32 * MiB, cpuCoresMax: 0.5, cpuShares: 512, pidsMax: 64 } });
  const resources = buildOciConfig(spec, v1).linux.resources as Record<string, unknown>;
  assert.equal(resources.memory, { limit: 32 * MiB, swap: 32 * MiB });
  assert.equal(resources.cpu, { period: 100_000, quota: 50_000, shares: 512 });
  assert.equal(resources.pids, { limit: 64 });
  const devices = resources.devices as Record<string, unknown>[];
  assert.equal(devices[0], { allow: false, access: 'rwm' });
  assert.ok(devices.some((rule) => rule.major === 1 && rule.minor === 3 && rule.allow === true), '/dev/null allowed');
  const custom = buildOciConfig(validateSpec({ ...base, resources: { cpuCoresMax: 1.5, cpuPeriodUs: 50_000 } }), v2).linux.resources as Record<string, unknown>;
  assert.equal(custom.cpu, { period: 50_000, quota: 75_000 });
  const none = buildOciConfig(validateSpec(base), v1).linux.resources as Record<string, unknown>;
  assert.is(none.memory, undefined);
  assert.is(none.pids, undefined);
});

test('root, hostname, masked and read-only paths, cgroupsPath', () => {
  // Proves the rootfs read-only switch and the hardening lists reach the config.
  const config = buildOciConfig(validateSpec({ ...base, readOnlyRootfs: true, hostname: 'sensor' }), v1);
  assert.equal(config.root, { path: '/var/lib/edgectl/rootfs/abc', readonly: true });
  assert.is(config.hostname, 'sensor');
  assert.ok((config.linux.maskedPaths as string[]).includes('/proc/kcore'));
  assert.ok((config.linux.readonlyPaths as string[]).includes('/proc/sys'));
  assert.is(config.linux.cgroupsPath, '/edgectl/web.1/container');
  assert.is(buildOciConfig(validateSpec(base), v1).root.readonly, false);
});

test.run();
