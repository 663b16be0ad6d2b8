// End to end, as root, with real runc containers: the kernel enforces what
// config.json asks for (memory with OOM verdict, pids, CPU quota, read-only
// rootfs, tmpfs, volumes). Each limit is checked against a control container
// without it, so a test cannot pass by the container failing for another reason.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readCgroupLayout } from '../../../runtime/containers/executor/cgroups.js';
import { createExecutor, type CreatedExecutor } from '../../../runtime/containers/executor/index.js';
import type { ContainerSpec, ExitStatus } from '../../../runtime/containers/executor/types.js';
import { canRunContainers, collect, Sandbox } from './support.js';

const test = suite('limits (e2e)');
const MiB = 1024 * 1024;

if (canRunContainers()) {
  let sandbox: Sandbox;
  let executor: CreatedExecutor;
  test.before(async () => {
    sandbox = await Sandbox.create('limits');
    executor = await createExecutor(sandbox.config());
  });
  test.after(async () => {
    await executor?.close();
    await sandbox?.cleanup();
  });

  async function run(spec: ContainerSpec): Promise<{ exit: ExitStatus; stdout: string[]; stderr: string[] }> {
    await executor.create(spec);
    await executor.start(spec.id);
    const exit = await executor.wait(spec.id);
    const lines = await collect(executor.logs(spec.id));
    await executor.remove(spec.id);
    const of = (stream: string): string[] => lines.filter((line) => line.stream === stream).map((line) => line.text);
    return { exit, stdout: of('stdout'), stderr: of('stderr') };
  }

  test('a container that allocates past its 32 MiB limit is reported OOM-killed; under a larger limit it is not', async () => {
    // Proves the OOM verdict comes from the kernel's counter: same program, only the limit differs.
    const dd = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'];
    const starved = await run({ id: sandbox.id('oom'), rootfsPath: sandbox.rootfs, args: dd, resources: { memoryBytesMax: 32 * MiB } });
    assert.is(starved.exit.oomKilled, true);
    assert.is(starved.exit.exitCode, 137);
    const fed = await run({ id: sandbox.id('no-oom'), rootfsPath: sandbox.rootfs, args: dd, resources: { memoryBytesMax: 256 * MiB } });
    assert.is(fed.exit.oomKilled, false);
    assert.is(fed.exit.exitCode, 0);
  });

  test('a growing process (tail /dev/zero) is OOM-killed too', async () => {
    // Proves gradual growth is caught as well as one big allocation.
    const result = await run({ id: sandbox.id('tail'), rootfsPath: sandbox.rootfs, args: ['tail', '/dev/zero'], resources: { memoryBytesMax: 32 * MiB } });
    assert.is(result.exit.oomKilled, true);
  });

  test('memory, swap, CPU quota and pids limits reach the cgroup and stats()', async () => {
    // Proves config.json's resources are applied by the runtime, including swap off (memsw = memory).
    const id = sandbox.id('cg');
    await executor.create(sandbox.shellSpec(id, 'sleep 30', { resources: { memoryBytesMax: 48 * MiB, cpuCoresMax: 0.5, pidsMax: 20 } }));
    await executor.start(id);
    const layout = await readCgroupLayout();
    const stats = await executor.stats(id);
    assert.is(stats.memoryBytesMax, 48 * MiB);
    assert.ok(stats.pidsCurrent >= 1 && stats.pidsCurrent <= 20, `pids.current ${stats.pidsCurrent}`);
    assert.ok(stats.memoryBytes > 0);
    const leaf = `${sandbox.cgroupParent}/${id}/container`;
    if (layout.version === 1) {
      const read = (controller: string, file: string): Promise<string> =>
        readFile(join(layout.controllerMounts.get(controller) ?? '/nonexistent', leaf, file), 'utf8').then((text) => text.trim());
      assert.is(await read('cpu', 'cpu.cfs_quota_us'), '50000');
      assert.is(await read('cpu', 'cpu.cfs_period_us'), '100000');
      assert.is(await read('pids', 'pids.max'), '20');
      const memsw = await read('memory', 'memory.memsw.limit_in_bytes').catch(() => null);
      if (memsw !== null) assert.is(memsw, String(48 * MiB), 'memory+swap equals memory: no swap');
    } else {
      const read = (file: string): Promise<string> => readFile(join(layout.unifiedMount ?? '', leaf, file), 'utf8').then((text) => text.trim());
      assert.is(await read('cpu.max'), '50000 100000');
      assert.is(await read('memory.swap.max'), '0');
    }
    await executor.stop(id, { graceMs: 100 });
    await executor.remove(id);
    // Every cgroup mount on the host, found independently of cgroups.ts (whose list is what is under test).
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
      .split('\n')
      .filter((line) => / - cgroup2? /.test(line))
      .map((line) => line.split(' ')[4] ?? '');
    assert.ok(mounts.length > 0);
    const leftovers = [];
    for (const mount of mounts) if (await stat(join(mount, sandbox.cgroupParent, id)).catch(() => null)) leftovers.push(mount);
    assert.equal(leftovers, [], 'remove() leaves no cgroup of the container in any hierarchy');
  });

  test('the pids limit stops forks past it; the same script under a higher limit runs to the end', async () => {
    // Proves pids.max is enforced inside the container (fork fails), not just written to a file.
    const script = 'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo spawned $i';
    const limited = await run(sandbox.shellSpec(sandbox.id('pids'), script, { resources: { pidsMax: 8 } }));
    assert.not.equal(limited.exit.exitCode, 0);
    assert.ok(limited.stderr.some((line) => /can't fork|Resource temporarily unavailable/.test(line)), `stderr: ${limited.stderr.join(' | ')}`);
    assert.not.ok(limited.stdout.includes('spawned 20'));
    const roomy = await run(sandbox.shellSpec(sandbox.id('pids-ok'), script, { resources: { pidsMax: 64 } }));
    assert.is(roomy.exit.exitCode, 0);
    assert.equal(roomy.stdout, ['spawned 20']);
  });

  test('a read-only rootfs refuses writes; its tmpfs and a writable rootfs accept them', async () => {
    // Proves readOnlyRootfs is enforced and that the control (writable rootfs) really could write.
    const script = 'echo data > /written && echo root-ok; echo data > /tmp/written && echo tmpfs-ok';
    const readOnly = await run(sandbox.shellSpec(sandbox.id('ro'), script, { readOnlyRootfs: true, tmpfs: [{ target: '/tmp', sizeBytes: MiB }] }));
    assert.equal(readOnly.stdout, ['tmpfs-ok']);
    assert.ok(readOnly.stderr.some((line) => /Read-only file system/.test(line)), `stderr: ${readOnly.stderr.join(' | ')}`);
    const writable = await run({ ...sandbox.shellSpec(sandbox.id('rw'), script), rootfsPath: await sandbox.privateRootfs('rw') });
    assert.equal(writable.stdout, ['root-ok', 'tmpfs-ok']);
  });

  test('volumes: a rw bind mount writes through to the host, a ro one refuses', async () => {
    // Proves both volume modes with a real bind mount.
    const rwDir = join(sandbox.root, 'vol-rw');
    const roDir = join(sandbox.root, 'vol-ro');
    await mkdir(rwDir);
    await mkdir(roDir);
    await writeFile(join(roDir, 'given'), 'from host\n');
    const result = await run(
      sandbox.shellSpec(sandbox.id('vol'), 'echo from container > /rw/out; cat /ro/given; echo x > /ro/out || echo ro-refused', {
        volumes: [
          { source: rwDir, target: '/rw', readOnly: false },
          { source: roDir, target: '/ro', readOnly: true },
        ],
      }),
    );
    assert.is(await readFile(join(rwDir, 'out'), 'utf8'), 'from container\n');
    assert.equal(result.stdout, ['from host', 'ro-refused']);
  });

  test('the process runs as the spec user with the hostname and without host-admin capabilities', async () => {
    // Proves user, hostname and the capability set reach the process (CapBnd lacks CAP_SYS_ADMIN, bit 21).
    const result = await run(
      sandbox.shellSpec(sandbox.id('who'), 'id -u; id -g; hostname; grep CapBnd /proc/self/status; grep NoNewPrivs /proc/self/status', {
        user: { uid: 1234, gid: 567 },
        hostname: 'probe-host',
      }),
    );
    const [uid, gid, hostname, capBnd, noNewPrivs] = result.stdout;
    assert.is(uid, '1234');
    assert.is(gid, '567');
    assert.is(hostname, 'probe-host');
    const bounding = BigInt(`0x${(capBnd ?? '').split(/\s+/)[1] ?? '0'}`);
    assert.is(bounding & (1n << 21n), 0n, 'CAP_SYS_ADMIN is not in the bounding set');
    assert.is(bounding & (1n << 0n), 1n, 'CAP_CHOWN is');
    assert.match(noNewPrivs ?? '', /NoNewPrivs:\s+1/);
  });
}

test.run();
