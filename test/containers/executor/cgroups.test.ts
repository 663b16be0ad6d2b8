// Unit tests of cgroups.ts against fixture files: this machine's own hybrid
// v1 mountinfo, plus v1 (bullseye) and v2 (bookworm) Raspberry Pi OS layouts
// written in the kernel's format, so the v2 paths are tested on a v1 host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cgroupDirsToRemove, cgroupLayoutFromMountinfo, containerCgroups, oomEvidencePath, parseMountinfo, parseOomKilled, parseStats, statsFiles,
} from '../../../runtime/containers/executor/cgroups.js';

const test = suite('cgroups');
const fixture = (name: string): string => readFileSync(join(fileURLToPath(new URL('fixtures', import.meta.url)), name), 'utf8');
const cgroups = containerCgroups('edgectl', 'web-1');

test('a host whose /sys/fs/cgroup is cgroup2 is v2, with controllers from cgroup.controllers', () => {
  // Proves v2 detection and that the available controllers come from the unified root.
  const layout = cgroupLayoutFromMountinfo(fixture('mountinfo-v2-raspios.txt'), fixture('cgroup.controllers-v2-raspios.txt'));
  assert.is(layout.version, 2);
  assert.is(layout.unifiedMount, '/sys/fs/cgroup');
  assert.equal([...layout.controllers].sort(), ['cpu', 'cpuset', 'io', 'memory', 'pids']);
});

test('a hybrid host (cgroup2 only at /sys/fs/cgroup/unified) is v1, as runc and crun see it', () => {
  // Proves the hybrid layout of this CI machine and of Pi OS bullseye is not mistaken for v2.
  for (const name of ['mountinfo-hybrid-v1.txt', 'mountinfo-v1-raspios-bullseye.txt']) {
    const layout = cgroupLayoutFromMountinfo(fixture(name));
    assert.is(layout.version, 1, name);
    assert.is(layout.unifiedMount, null);
    assert.ok(layout.controllers.has('pids'), `${name} offers pids`);
  }
});

test('v1 controllers that share a hierarchy map to the same mount, named and hybrid hierarchies are kept', () => {
  // Proves cpu,cpuacct co-mounts resolve and that name=systemd and the hybrid unified tree are cleaned up too.
  const layout = cgroupLayoutFromMountinfo(fixture('mountinfo-v1-raspios-bullseye.txt'));
  assert.is(layout.controllerMounts.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.is(layout.controllerMounts.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.not.ok(layout.controllers.has('memory'), 'bullseye without cgroup_enable=memory has no memory controller');
  assert.ok(layout.hierarchyMounts.includes('/sys/fs/cgroup/systemd'));
  assert.ok(layout.hierarchyMounts.includes('/sys/fs/cgroup/unified'), 'runc makes a cgroup in the hybrid unified tree too');
  assert.not.ok(layout.controllers.has('unified'));
});

test('mountinfo octal escapes are decoded', () => {
  // Proves a mount point with a space is read as the kernel meant it.
  const entries = parseMountinfo(fixture('mountinfo-v2-raspios.txt'));
  assert.ok(entries.some((entry) => entry.mountPoint === '/mnt/with space'));
});

test('OOM evidence is the leaf oom_control on v1 and the container dir memory.events on v2', () => {
  // Proves the evidence file outlives the runtime's cleanup: v2 reads the parent the runtime never deletes.
  const v1 = cgroupLayoutFromMountinfo(fixture('mountinfo-hybrid-v1.txt'));
  const v2 = cgroupLayoutFromMountinfo(fixture('mountinfo-v2-raspios.txt'), 'memory pids');
  assert.is(oomEvidencePath(v1, cgroups), '/sys/fs/cgroup/memory/edgectl/web-1/container/memory.oom_control');
  assert.is(oomEvidencePath(v2, cgroups), '/sys/fs/cgroup/edgectl/web-1/memory.events');
  const noMemory = cgroupLayoutFromMountinfo(fixture('mountinfo-v1-raspios-bullseye.txt'));
  assert.is(oomEvidencePath(noMemory, cgroups), null);
});

test('OOM kills are read from v1 and v2 counters, and from under_oom on old v1 kernels', () => {
  // Proves each format's verdict both ways, so a parser that always says true or false fails.
  assert.is(parseOomKilled(fixture('memory.events-v2-oom.txt')), true);
  assert.is(parseOomKilled(fixture('memory.events-v2-clean.txt')), false);
  assert.is(parseOomKilled(fixture('memory.oom_control-v1-oom.txt')), true);
  assert.is(parseOomKilled(fixture('memory.oom_control-v1-clean.txt')), false);
  assert.is(parseOomKilled(fixture('memory.oom_control-v1-old-kernel-oom.txt')), true);
  assert.is(parseOomKilled(''), false);
});

test('remove() targets the leaf then the container dir, in every v1 hierarchy or the one v2 tree', () => {
  // Proves cleanup order (deepest first, as rmdir needs) and coverage of all hierarchies.
  const v1 = cgroupLayoutFromMountinfo(fixture('mountinfo-v1-raspios-bullseye.txt'));
  const dirs = cgroupDirsToRemove(v1, cgroups);
  assert.is(dirs.length, v1.hierarchyMounts.length * 2);
  assert.is(dirs[0], '/sys/fs/cgroup/unified/edgectl/web-1/container');
  assert.is(dirs[1], '/sys/fs/cgroup/unified/edgectl/web-1');
  assert.ok(dirs.includes('/sys/fs/cgroup/systemd/edgectl/web-1'));
  const v2 = cgroupLayoutFromMountinfo(fixture('mountinfo-v2-raspios.txt'), 'memory');
  assert.equal(cgroupDirsToRemove(v2, cgroups), ['/sys/fs/cgroup/edgectl/web-1/container', '/sys/fs/cgroup/edgectl/web-1']);
});

test('stats parse v2 files, with "max" meaning no limit', () => {
  // Proves v2 units: cpu.stat usage_usec in microseconds, memory.max "max" → null.
  const v2 = cgroupLayoutFromMountinfo(fixture('mountinfo-v2-raspios.txt'), 'memory pids cpu');
  assert.is(statsFiles(v2, cgroups).cpu, '/sys/fs/cgroup/edgectl/web-1/container/cpu.stat');
  const stats = parseStats(2, { memory: '1048576\n', memoryMax: 'max\n', cpu: fixture('cpu.stat-v2.txt'), pids: '3\n' });
  assert.equal(stats, { memoryBytes: 1048576, memoryBytesMax: null, cpuUsageUs: 1523044, pidsCurrent: 3 });
  assert.is(parseStats(2, { memory: '0', memoryMax: '33554432', cpu: '', pids: '' }).memoryBytesMax, 33554432);
});

test('stats parse v1 files: nanoseconds to microseconds, the huge "unlimited" value to null', () => {
  // Proves v1 unit conversion and the unlimited sentinel.
  const v1 = cgroupLayoutFromMountinfo(fixture('mountinfo-hybrid-v1.txt'));
  assert.is(statsFiles(v1, cgroups).cpu, '/sys/fs/cgroup/cpuacct/edgectl/web-1/container/cpuacct.usage');
  const unlimited = parseStats(1, { memory: '4096', memoryMax: '9223372036854771712', cpu: '2500000', pids: '2' });
  assert.equal(unlimited, { memoryBytes: 4096, memoryBytesMax: null, cpuUsageUs: 2500, pidsCurrent: 2 });
  assert.is(parseStats(1, { memory: '1', memoryMax: '33554432', cpu: '0', pids: '1' }).memoryBytesMax, 33554432);
});

test.run();
