// The lab harness itself: hosts reach each other over the bridge, multicast
// works between them, a cut link partitions one host, and destroy leaves
// nothing behind.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needsCommands, needsRoot } from '../common/env.js';
import { Lab } from './lab.js';

const ready = needsRoot() && needsCommands('ip', 'nsenter', 'ping');

function ping(lab: Lab, from: number, to: number): boolean {
  try {
    lab.exec(from, 'ping', ['-c', '1', '-W', '1', lab.host(to).address]);
    return true;
  } catch {
    return false;
  }
}

test('hosts reach each other, a cut link partitions one host, restore heals it', () => {
  if (!ready) return;
  const lab = Lab.create({ name: 'labt', hosts: 3 });
  try {
    assert.ok(ping(lab, 1, 2), 'host1 → host2 before the cut');
    assert.ok(ping(lab, 3, 1), 'host3 → host1 before the cut');
    lab.cut(2);
    assert.not.ok(ping(lab, 1, 2), 'host1 must not reach host2 once its link is cut');
    assert.ok(ping(lab, 1, 3), 'the rest of the lab still works');
    lab.restore(2);
    let healed = false;
    for (let attempt = 0; attempt < 5 && !healed; attempt++) healed = ping(lab, 1, 2);
    assert.ok(healed, 'host2 reachable again after restore');
  } finally {
    lab.destroy();
  }
});

test('a process started in a host runs in its namespace and kill -9 stops it', () => {
  if (!ready) return;
  const lab = Lab.create({ name: 'labt', hosts: 1 });
  try {
    lab.start(1, 'sleep', ['30']);
    assert.ok(lab.isRunning(1));
    const inside = execFileSync('ip', ['netns', 'pids', lab.host(1).namespace], { encoding: 'utf8' });
    assert.ok(inside.trim().length > 0, 'the namespace has the process');
    lab.kill(1);
    assert.not.ok(lab.isRunning(1));
  } finally {
    lab.destroy();
  }
});

test('destroy removes every namespace of the lab', () => {
  if (!ready) return;
  const lab = Lab.create({ name: 'labt', hosts: 2 });
  lab.start(2, 'sleep', ['30']);
  lab.destroy();
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.not.match(left, /labt-/);
});

test.run();
