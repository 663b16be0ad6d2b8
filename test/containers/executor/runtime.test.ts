// Unit tests of the runtime driver (runtime.ts): which runtime is chosen, the
// command lines it builds for runc and crun, and parsing of their output.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../../runtime/common/errors.js';
import { chooseRuntime, OciRuntime, parseRuntimeList, type RuntimeName } from '../../../runtime/containers/executor/runtime.js';

const test = suite('runtime');
const both = new Map<RuntimeName, string>([['runc', '/usr/sbin/runc'], ['crun', '/usr/bin/crun']]);
const runcOnly = new Map<RuntimeName, string>([['runc', '/usr/sbin/runc']]);
const crunOnly = new Map<RuntimeName, string>([['crun', '/usr/bin/crun']]);

test('crun on cgroup v2 when installed, else runc; runc on v1 even with crun installed', () => {
  // Proves the selection rule both ways on both hierarchies.
  assert.is(chooseRuntime({ cgroupVersion: 2, binaries: both }).name, 'crun');
  assert.is(chooseRuntime({ cgroupVersion: 2, binaries: runcOnly }).name, 'runc');
  assert.is(chooseRuntime({ cgroupVersion: 1, binaries: both }).name, 'runc');
  assert.is(chooseRuntime({ cgroupVersion: 1, binaries: both }).binaryPath, '/usr/sbin/runc');
});

test('an explicit request wins, and a missing runtime is EDGE_RUNTIME_NOT_FOUND', () => {
  // Proves the override and the error a board without any runtime gets.
  assert.is(chooseRuntime({ requested: 'crun', cgroupVersion: 1, binaries: both }).name, 'crun');
  const refused = (run: () => unknown): boolean => {
    try {
      run();
      return false;
    } catch (error) {
      return isEdgeError(error, 'EDGE_RUNTIME_NOT_FOUND');
    }
  };
  assert.ok(refused(() => chooseRuntime({ cgroupVersion: 1, binaries: crunOnly })), 'crun alone cannot serve a v1 host');
  assert.ok(refused(() => chooseRuntime({ cgroupVersion: 2, binaries: new Map() })));
  assert.ok(refused(() => chooseRuntime({ requested: 'crun', cgroupVersion: 2, binaries: runcOnly })));
});

test('run argv: --keep only where supported, state root, JSON log, bundle and pid file', () => {
  // Proves one driver builds each runtime's command line from its traits.
  const options = { id: 'c1', bundleDir: '/d/c1/bundle', pidFile: '/d/c1/status/pid', runtimeLog: '/d/c1/logs/runtime.log' };
  const runc = new OciRuntime('/usr/sbin/runc', '/run/edgectl/runtime', { name: 'runc', keepSupported: true });
  assert.equal(runc.runArgv(options), [
    '/usr/sbin/runc', '--root=/run/edgectl/runtime', '--log=/d/c1/logs/runtime.log', '--log-format=json',
    'run', '--keep', '--bundle=/d/c1/bundle', '--pid-file=/d/c1/status/pid', 'c1',
  ]);
  const crun = new OciRuntime('/usr/bin/crun', '/run/edgectl/runtime', { name: 'crun', keepSupported: false });
  const argv = crun.runArgv(options);
  assert.is(argv[0], '/usr/bin/crun');
  assert.not.ok(argv.includes('--keep'), 'crun 1.8 has no --keep');
  assert.is(argv.at(-1), 'c1');
});

test('exec argv carries the container user, cwd and env, then the command', () => {
  // Proves a health probe runs as the container's user with its environment.
  const runc = new OciRuntime('/usr/sbin/runc', '/r', { name: 'runc', keepSupported: true });
  const argv = runc.execArgv('c1', ['test', '-f', '/ok'], { uid: 1000, gid: 100, env: ['PATH=/bin', 'A=1'], cwd: '/srv', pidFile: '/p' });
  assert.equal(argv, ['--root=/r', 'exec', '--pid-file=/p', '--user=1000:100', '--cwd=/srv', '--env=PATH=/bin', '--env=A=1', 'c1', 'test', '-f', '/ok']);
});

test('list output: runc "null", crun "[]", and entries with id, status and pid', () => {
  // Proves both runtimes' empty lists and a populated one parse the same way.
  assert.equal(parseRuntimeList('null\n'), []);
  assert.equal(parseRuntimeList('[]'), []);
  assert.equal(parseRuntimeList(''), []);
  const listed = parseRuntimeList(
    JSON.stringify([
      { ociVersion: '1.0.2-dev', id: 'a', pid: 42, status: 'running', bundle: '/b', rootfs: '/r', created: 'x', owner: 'root' },
      { id: 'b', pid: 0, status: 'stopped' },
      { junk: true },
    ]),
  );
  assert.equal(listed, [
    { id: 'a', status: 'running', pid: 42 },
    { id: 'b', status: 'stopped', pid: 0 },
  ]);
});

test.run();
