// Proves cmdline.txt editing adds the cgroup parameters exactly once, removes what contradicts them, keeps one line, and rejects multi-line files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isEdgeError } from '../../runtime/common/errors.js';
import { withKernelParams } from '../../firmware-scripts/lib/kernel-cmdline.js';

const wanted = ['cgroup_enable=memory', 'cgroup_memory=1', 'systemd.unified_cgroup_hierarchy=1'];
const raspios = 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait';

test('adds the missing parameters at the end, on one line', () => {
  const { text, changed } = withKernelParams(`${raspios}\n`, wanted, 'cmdline.txt');
  assert.is(text, `${raspios} ${wanted.join(' ')}\n`);
  assert.ok(changed);
});

test('a second run changes nothing', () => {
  const once = withKernelParams(raspios, wanted, 'cmdline.txt').text;
  const twice = withKernelParams(once, wanted, 'cmdline.txt');
  assert.is(twice.text, once);
  assert.not.ok(twice.changed);
});

test('contradicting parameters are replaced, unrelated repeats kept', () => {
  const input = `${raspios} cgroup_disable=memory cgroup_memory=0 cgroup_enable=cpuset console=tty1 systemd.unified_cgroup_hierarchy=0\n`;
  const tokens = withKernelParams(input, wanted, 'cmdline.txt').text.trim().split(' ');
  assert.not.ok(tokens.includes('cgroup_disable=memory'));
  assert.not.ok(tokens.includes('cgroup_memory=0'));
  assert.not.ok(tokens.includes('systemd.unified_cgroup_hierarchy=0'));
  assert.ok(tokens.includes('cgroup_enable=cpuset'), 'another controller stays enabled');
  assert.is(tokens.filter((token) => token === 'console=tty1').length, 2, 'not ours to deduplicate');
  for (const param of wanted) assert.is(tokens.filter((token) => token === param).length, 1, param);
});

test('a wanted parameter present twice is kept once', () => {
  const { text } = withKernelParams(`${raspios} cgroup_memory=1 cgroup_memory=1`, wanted, 'cmdline.txt');
  assert.is(text.split('cgroup_memory=1').length - 1, 1);
});

test('CRLF and trailing blank lines are tolerated; two real lines are an error naming the file', () => {
  assert.is(withKernelParams(`${raspios}\r\n\r\n`, wanted, 'cmdline.txt').text.split('\n').length, 2);
  try {
    withKernelParams(`${raspios}\nquiet\n`, wanted, 'cmdline.txt in base.img');
    assert.unreachable('two lines');
  } catch (error) {
    assert.ok(isEdgeError(error, 'EDGE_FIRMWARE_CMDLINE_INVALID'), String(error));
    assert.match((error as Error).message, 'cmdline.txt in base.img has 2 lines');
  }
});

test('an empty cmdline gets just the parameters', () => {
  assert.is(withKernelParams('', wanted, 'cmdline.txt').text, `${wanted.join(' ')}\n`);
});

test.run();
