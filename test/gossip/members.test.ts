import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { MemberTable, type Member } from '../../runtime/gossip/members.js';

const member = (id: string, status: Member['status'] = 'alive'): Member => ({
  id,
  address: `${id}:4270`,
  role: 'worker',
  labels: new Uint8Array(0),
  incarnation: 0,
  status,
  statusTick: 0,
});

test('the table refuses members past its capacity', () => {
  // Proves membersMax bounds memory: a full table does not grow.
  const table = new MemberTable('self', 3);
  assert.ok(table.add(member('self')));
  assert.ok(table.add(member('a')));
  assert.ok(table.add(member('b')));
  assert.not.ok(table.add(member('c')));
  assert.is(table.size, 3);
  assert.ok(table.isFull);
});

test('the live index follows status changes and removals, self excluded', () => {
  // Proves random peer choice only ever sees alive or suspect peers.
  const table = new MemberTable('self', 10);
  table.add(member('self'));
  for (const id of ['a', 'b', 'c']) table.add(member(id));
  assert.equal([...table.livePeers].sort(), ['a', 'b', 'c']);
  assert.is(table.liveCount, 4);
  table.setStatus(table.get('b')!, 'suspect', 5);
  assert.equal([...table.livePeers].sort(), ['a', 'b', 'c']);
  table.setStatus(table.get('a')!, 'dead', 6);
  assert.equal([...table.livePeers].sort(), ['b', 'c']);
  assert.is(table.get('a')!.statusTick, 6);
  table.remove('c');
  assert.equal([...table.livePeers], ['b']);
  table.setStatus(table.get('a')!, 'alive', 7);
  assert.equal([...table.livePeers].sort(), ['a', 'b']);
  table.setStatus(table.get('self')!, 'left', 8);
  assert.is(table.liveCount, 2);
});

test('random picks are distinct, live and never excluded, for small and large tables', () => {
  // Proves both sampling paths (partial shuffle and rejection) honour the contract.
  const rng = new SeededRng(3);
  for (const size of [3, 8, 200]) {
    const table = new MemberTable('self', 1000);
    table.add(member('self'));
    for (let index = 0; index < size; index += 1) table.add(member(`m${index}`, index % 5 === 4 ? 'dead' : 'alive'));
    const exclude = new Set(['m0']);
    for (let round = 0; round < 50; round += 1) {
      const picked = table.randomLive(rng, 3, exclude);
      assert.is(new Set(picked).size, picked.length);
      assert.is(picked.length, Math.min(3, table.livePeers.length - 1));
      for (const id of picked) {
        assert.not.ok(exclude.has(id));
        assert.is(table.get(id)!.status, 'alive');
      }
    }
  }
});

test.run();
