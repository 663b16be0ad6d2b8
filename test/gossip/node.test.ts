import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { lanDefaults } from '../../runtime/gossip/config.js';
import type { GossipMessage, Update } from '../../runtime/gossip/messages.js';
import { GossipNode } from '../../runtime/gossip/node.js';
import { Cluster, addressOf, type Sent } from './cluster.js';

const config = lanDefaults();

function threeNodes(): Cluster {
  const cluster = new Cluster();
  for (const id of ['a', 'b', 'c']) cluster.add(id);
  cluster.introduceAll();
  return cluster;
}

/** Ticks `id` (settling nothing) until it sends a message matching `match`. */
function tickUntil(cluster: Cluster, id: string, match: (sent: Sent) => boolean, limit = 200): Sent {
  for (let round = 0; round < limit; round += 1) {
    const found = cluster.tick(id).find(match);
    if (found !== undefined) return found;
  }
  throw new Error(`${id} sent no matching message within ${limit} ticks`);
}

const gossipFrom = (source: string, updates: Update[]): GossipMessage => ({ type: 'gossip', source, updates });

test('a ping is answered by an ack with the same seq, and the prober moves on without indirect probes', () => {
  // Proves the direct probe path: ping -> ack matched by seq ends the probe (no ping-req follows).
  const cluster = threeNodes();
  const ping = tickUntil(cluster, 'a', (sent) => sent.message.type === 'ping');
  assert.ok(ping.message.type === 'ping' && ping.to === ping.message.target && ping.address === addressOf(ping.to!));
  const ack = cluster.deliver(ping).find((sent) => sent.message.type === 'ack')!;
  assert.ok(ack.message.type === 'ack' && ack.message.seq === ping.message.seq);
  assert.is(ack.to, 'a');
  cluster.deliver(ack);
  const later = cluster.tick('a', config.probeTimeoutTicks + 1);
  assert.not.ok(later.some((sent) => sent.message.type === 'pingReq'), 'no ping-req after a timely ack');
  assert.is(cluster.node('a').health, 0);
});

test('a transport hint (probeSoon) gets its member probed at the next tick, once, and is judged by that probe alone', () => {
  // Proves the link-lost hint: the member is pinged before its round-robin turn, and a hint is not a suspicion.
  const cluster = new Cluster();
  for (const id of ['a', 'b', 'c', 'd', 'e']) cluster.add(id);
  cluster.introduceAll();
  const first = tickUntil(cluster, 'a', (sent) => sent.message.type === 'ping');
  for (const reply of cluster.deliver(first)) cluster.deliver(reply);
  const hinted = ['b', 'c', 'd', 'e'].find((id) => id !== first.to)!;
  cluster.node('a').probeSoon(hinted);
  cluster.node('a').probeSoon(hinted);
  cluster.node('a').probeSoon('a');
  cluster.node('a').probeSoon('nobody');
  const next = cluster.tick('a').filter((sent) => sent.message.type === 'ping');
  assert.is(next.length, 1, 'one ping at the very next tick, well before the next interval');
  assert.is(next[0]!.to, hinted);
  for (const reply of cluster.deliver(next[0]!)) cluster.deliver(reply);
  // Answered: nothing was suspected, and the regular rhythm resumes an interval later.
  const following = cluster.tick('a', config.probeIntervalTicks - 1).filter((sent) => sent.message.type === 'ping');
  assert.is(following.length, 0);
  assert.equal(cluster.eventsAbout('a', hinted), []);
});

test('a lost direct path is bridged by a relay: ping-req, relayed ping, forwarded ack, no suspicion', () => {
  // Proves indirect probing: a bad link between two members does not make either suspect the other.
  const cluster = threeNodes();
  cluster.drop = (sent) => (sent.from === 'a' && sent.to === 'b') || (sent.from === 'b' && sent.to === 'a');
  cluster.run(60);
  const pingReqs = cluster.log.filter((sent) => sent.from === 'a' && sent.message.type === 'pingReq');
  assert.ok(pingReqs.length > 0, 'a asked for help');
  const pingReq = pingReqs[0]!;
  assert.ok(pingReq.message.type === 'pingReq' && pingReq.message.target === 'b' && pingReq.to === 'c');
  const forwarded = cluster.log.find((sent) => sent.from === 'c' && sent.to === 'a' && sent.message.type === 'ack' && sent.message.seq === (pingReq.message as { seq: number }).seq);
  assert.ok(forwarded !== undefined, 'c forwarded b\'s ack under a\'s seq');
  assert.equal(cluster.eventsAbout('a', 'b'), []);
  assert.equal(cluster.eventsAbout('b', 'a'), []);
});

test('a silent member is suspected; relays nack, so the prober does not blame itself', () => {
  // Proves the failed-probe path and Lifeguard's nack rule: relays answered, so local health stays 0.
  const cluster = threeNodes();
  cluster.drop = (sent) => sent.to === 'b';
  const askedAboutB = (): boolean => cluster.log.some((sent) => sent.from === 'a' && sent.message.type === 'pingReq' && sent.message.target === 'b');
  for (let round = 0; round < 40 && !askedAboutB(); round += 1) {
    cluster.tick('a');
    cluster.tick('c');
    cluster.settle();
  }
  assert.ok(askedAboutB(), 'a probed b and went indirect');
  for (let round = 0; round < config.probeIntervalTicks; round += 1) {
    cluster.tick('a');
    cluster.tick('c');
    cluster.settle();
  }
  assert.is(cluster.statusOf('a', 'b'), 'suspect');
  assert.ok(cluster.log.some((sent) => sent.from === 'c' && sent.to === 'a' && sent.message.type === 'nack'), 'c sent a nack');
  assert.is(cluster.node('a').health, 0);
});

test('a prober whose relays do not even nack raises its own health score (and slows down)', () => {
  // Proves the other side of the nack rule: silence from everyone points at our own link.
  const cluster = threeNodes();
  cluster.drop = (sent) => sent.to === 'b' || sent.to === 'a';
  for (let round = 0; round < 30; round += 1) {
    cluster.tick('a');
    cluster.tick('c');
    cluster.settle();
  }
  assert.ok(cluster.node('a').health >= 1, `health ${cluster.node('a').health}`);
});

test('an unconfirmed suspicion runs suspicionMaxTicks; two confirmations cut it to suspicionMinTicks', () => {
  // Proves the suspicion timer is wired to the Lifeguard formula, in ticks, with events in order.
  const lone = new Cluster();
  for (const id of ['a', 'b', 'c', 'd']) lone.add(id);
  lone.introduceAll();
  lone.node('a').step(gossipFrom('c', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'c' }]), addressOf('c'));
  lone.collect('a');
  lone.tick('a', config.suspicionMaxTicks);
  const events = lone.events.get('a')!.filter((event) => event.member === 'b');
  assert.equal(events.map((event) => event.kind), ['suspect', 'dead']);
  assert.is(events[1]!.tick - events[0]!.tick, config.suspicionMaxTicks);

  const confirmed = new Cluster();
  for (const id of ['a', 'b', 'c', 'd', 'e']) confirmed.add(id);
  confirmed.introduceAll();
  const a = confirmed.node('a');
  a.step(gossipFrom('c', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'c' }]), addressOf('c'));
  a.step(gossipFrom('d', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'd' }]), addressOf('d'));
  a.step(gossipFrom('e', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'e' }]), addressOf('e'));
  confirmed.collect('a');
  confirmed.tick('a', config.suspicionMinTicks);
  const fast = confirmed.events.get('a')!.filter((event) => event.member === 'b');
  assert.equal(fast.map((event) => event.kind), ['suspect', 'dead']);
  assert.is(fast[1]!.tick - fast[0]!.tick, config.suspicionMinTicks);
});

test('buddy system: messages to a suspect carry the suspicion, it refutes, and the refutation clears it', () => {
  // Proves a suspected member hears of it from whoever talks to it and comes back at incarnation + 1.
  const cluster = threeNodes();
  cluster.settle();
  cluster.node('a').step(gossipFrom('c', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'c' }]), addressOf('c'));
  cluster.collect('a');
  cluster.inFlight = [];
  const toB = tickUntil(cluster, 'a', (sent) => sent.to === 'b');
  const updates = 'updates' in toB.message ? toB.message.updates : [];
  assert.equal(updates[0], { kind: 'suspect', member: 'b', incarnation: 0, from: 'c' });
  const replies = cluster.deliver(toB);
  assert.is(cluster.node('b').incarnation, 1);
  const toA = replies.filter((sent) => sent.to === 'a');
  assert.ok(toA.some((sent) => 'updates' in sent.message && sent.message.updates.some((update) => update.kind === 'alive' && update.member === 'b' && update.incarnation === 1)));
  assert.ok(replies.some((sent) => sent.to === 'c'), 'the accuser is corrected directly');
  for (const reply of toA) cluster.deliver(reply);
  assert.equal(cluster.eventsAbout('a', 'b'), ['suspect@0', 'alive@1']);
  assert.is(cluster.statusOf('a', 'b'), 'alive');
});

test('a member refuting a suspicion asks for a push-pull: it may have missed news while cut off', () => {
  // Proves the recovery resync after a refutation.
  const cluster = threeNodes();
  cluster.settle();
  const replies = cluster.deliver({ from: 'a', to: 'b', address: addressOf('b'), message: gossipFrom('a', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'a' }]) });
  assert.ok(replies.some((sent) => sent.message.type === 'pushPull' && !sent.message.reply && sent.to === 'a'));
});

test('stale bad news is answered with the fresh alive, straight to whoever passed it on', () => {
  // Proves third-party correction: a node that missed a refutation is told by the next peer it gossips to.
  const cluster = threeNodes();
  cluster.settle();
  const a = cluster.node('a');
  a.step(gossipFrom('b', [{ kind: 'alive', member: 'b', incarnation: 2, address: addressOf('b'), role: 'worker', labels: new Uint8Array(0) }]), addressOf('b'));
  cluster.collect('a');
  cluster.inFlight = [];
  a.step(gossipFrom('c', [{ kind: 'suspect', member: 'b', incarnation: 1, from: 'd' }]), addressOf('c'));
  const sent = cluster.collect('a');
  const correction = sent.find((message) => message.to === 'c' && message.message.type === 'gossip');
  assert.ok(correction !== undefined && correction.message.type === 'gossip');
  assert.ok(correction.message.updates.some((update) => update.kind === 'alive' && update.member === 'b' && update.incarnation === 2));
  assert.is(cluster.statusOf('a', 'b'), 'alive');
});

test('join: push-pull to the seed address, both sides learn each other, a later joiner is announced', () => {
  // Proves joining through a seed address, and that the seed gossips the newcomer to existing members.
  const cluster = new Cluster();
  cluster.add('a');
  cluster.add('b');
  cluster.add('c');
  assert.is(cluster.node('b').join([addressOf('a'), addressOf('b')]), undefined);
  const [request] = cluster.collect('b');
  assert.ok(request !== undefined && request.to === null && request.address === addressOf('a') && request.message.type === 'pushPull');
  cluster.settle();
  assert.is(cluster.statusOf('a', 'b'), 'alive');
  assert.is(cluster.statusOf('b', 'a'), 'alive');
  cluster.node('c').join([addressOf('a')]);
  cluster.collect('c');
  cluster.run(10);
  assert.is(cluster.statusOf('c', 'b'), 'alive', 'c learned b from the seed state');
  assert.is(cluster.statusOf('b', 'c'), 'alive', 'b heard of c by gossip');
  assert.equal(cluster.eventsAbout('b', 'c'), ['alive@0']);
});

test('join retries every joinRetryTicks while no peer answers, and refuses bad seeds', () => {
  // Proves auto-join keeps trying (a board that boots before its manager) and that seeds are checked.
  const cluster = new Cluster();
  const lonely = cluster.add('a');
  assert.is(lonely.join([addressOf('a')])?.code, 'EDGE_GOSSIP_JOIN_INVALID');
  assert.is(lonely.join([''])?.code, 'EDGE_GOSSIP_JOIN_INVALID');
  assert.is(lonely.join(Array.from({ length: config.seedsMax + 1 }, (_, index) => `seed${index}:1`))?.code, 'EDGE_GOSSIP_JOIN_INVALID');
  lonely.join(['nobody.lan:4270']);
  cluster.collect('a');
  cluster.tick('a', 2 * config.joinRetryTicks);
  const attempts = cluster.log.filter((sent) => sent.message.type === 'pushPull' && sent.address === 'nobody.lan:4270');
  assert.is(attempts.length, 3);
});

test('graceful leave is seen as left (never dead), and the leaver stops probing', () => {
  // Proves leave is distinguished from failure, as the managers need.
  const cluster = threeNodes();
  cluster.run(10);
  cluster.node('b').leave();
  const logBefore = cluster.log.length;
  cluster.collect('b');
  for (let round = 0; round < 200 && !cluster.node('b').isLeaveDone(); round += 1) cluster.run(1);
  assert.ok(cluster.node('b').isLeaveDone());
  cluster.nodes.delete('b');
  cluster.run(3 * config.suspicionMaxTicks);
  for (const observer of ['a', 'c']) {
    assert.equal(cluster.eventsAbout(observer, 'b'), ['left@0'], observer);
    assert.is(cluster.statusOf(observer, 'b'), 'left');
  }
  assert.not.ok(cluster.log.slice(logBefore).some((sent) => sent.from === 'b' && sent.message.type === 'ping'));
  assert.equal(cluster.eventsAbout('b', 'b').slice(-1), ['left@0']);
});

test('metadata changes travel as a higher incarnation and show as "updated"; bad metadata is refused', () => {
  // Proves labels/role changes are disseminated on change, and bounded.
  const cluster = threeNodes();
  cluster.run(5);
  const a = cluster.node('a');
  assert.is(a.updateSelf({ labels: new Uint8Array(config.labelsBytesMax + 1) })?.code, 'EDGE_GOSSIP_IDENTITY_INVALID');
  assert.is(a.incarnation, 0);
  assert.is(a.updateSelf({ role: 'manager', labels: new Uint8Array([7, 7]) }), undefined);
  assert.is(a.incarnation, 1);
  cluster.collect('a');
  cluster.run(5);
  const seen = cluster.events.get('b')!.filter((event) => event.member === 'a');
  assert.equal(seen.map((event) => `${event.kind}@${event.incarnation}:${event.role}:${[...event.labels].join(',')}`), ['updated@1:manager:7,7']);
});

test('an invalid message is refused whole: error returned, nothing sent, nothing changed', () => {
  // Proves bad input is an error value, not a crash, and has no side effects.
  const cluster = threeNodes();
  cluster.settle();
  const a = cluster.node('a');
  const before = JSON.stringify(a.members());
  const bad = { type: 'gossip', source: 'b', updates: [{ kind: 'alive', member: 'x', incarnation: 1, address: 'x:1', role: 'root', labels: new Uint8Array(0) }] };
  const error = a.step(bad as unknown as GossipMessage);
  assert.is(error?.code, 'EDGE_GOSSIP_MESSAGE_INVALID');
  assert.is(error?.field, 'updates[0].role');
  assert.is(a.hasReady(), false);
  assert.is(JSON.stringify(a.members()), before);
  assert.is(a.counters.messagesRejected, 1);
});

test('a flood of invented members cannot grow the table past membersMax', () => {
  // Proves the memory bound against a peer announcing thousands of members.
  const small = lanDefaults({ membersMax: 16 });
  const node = new GossipNode({ config: small, rng: new SeededRng(1), id: 'a', address: 'a:1', role: 'worker' });
  for (let batch = 0; batch < 100; batch += 1) {
    const updates: Update[] = Array.from({ length: small.updatesPerMessageMax }, (_, index) => ({
      kind: 'alive',
      member: `fake-${batch}-${index}`,
      incarnation: 0,
      address: `10.9.${batch}.${index}:1`,
      role: 'worker',
      labels: new Uint8Array(small.labelsBytesMax),
    }));
    assert.is(node.step(gossipFrom('fake-0-0', updates), 'x:1'), undefined);
    if (node.hasReady()) {
      node.ready();
      node.advance();
    }
  }
  assert.is(node.members().length, small.membersMax);
  assert.ok(node.membershipCounters.membersRefused >= 100 * small.updatesPerMessageMax - small.membersMax);
});

test('a dead member comes back only with a higher incarnation', () => {
  // Proves stale alive news cannot resurrect a member; a restart (higher incarnation) can.
  const cluster = threeNodes();
  cluster.settle();
  const a = cluster.node('a');
  const alive = (incarnation: number): Update => ({ kind: 'alive', member: 'b', incarnation, address: addressOf('b'), role: 'worker', labels: new Uint8Array(0) });
  a.step(gossipFrom('c', [{ kind: 'dead', member: 'b', incarnation: 0, from: 'c' }]), addressOf('c'));
  a.step(gossipFrom('c', [alive(0)]), addressOf('c'));
  cluster.collect('a');
  assert.is(cluster.statusOf('a', 'b'), 'dead');
  a.step(gossipFrom('c', [alive(1)]), addressOf('c'));
  cluster.collect('a');
  assert.equal(cluster.eventsAbout('a', 'b'), ['dead@0', 'alive@1']);
});

test('a peer\'s "dead" in push-pull only makes us suspect; about ourselves it makes us refute', () => {
  // Proves anti-entropy cannot kill a member outright from a possibly stale view.
  const cluster = threeNodes();
  cluster.settle();
  const a = cluster.node('a');
  const row = (member: string, status: 'dead') => ({ member, incarnation: 0, status, address: addressOf(member), role: 'worker' as const, labels: new Uint8Array(0) });
  a.step({ type: 'pushPull', source: 'c', reply: true, members: [row('b', 'dead'), row('a', 'dead')] }, addressOf('c'));
  cluster.collect('a');
  assert.is(cluster.statusOf('a', 'b'), 'suspect');
  assert.is(a.incarnation, 1);
});

test('push-pull replies per tick are bounded', () => {
  // Proves a join storm costs at most pushPullRepliesPerTickMax full states per tick.
  const cluster = new Cluster();
  const seed = cluster.add('a');
  const limit = config.pushPullRepliesPerTickMax;
  for (let index = 0; index < limit + 3; index += 1) {
    const id = `joiner-${index}`;
    seed.step({ type: 'pushPull', source: id, reply: false, members: [{ member: id, incarnation: 0, status: 'alive', address: `${id}:1`, role: 'worker', labels: new Uint8Array(0) }] }, `${id}:1`);
  }
  const replies = cluster.collect('a').filter((sent) => sent.message.type === 'pushPull' && sent.message.reply);
  assert.is(replies.length, limit);
  assert.is(seed.counters.pushPullsRefused, 3);
});

test('pings for another member id are not acked; our own echoes are ignored; strangers get a push-pull', () => {
  // Proves the target check (address reuse after a restart), echo handling, and the stranger resync.
  const cluster = threeNodes();
  cluster.settle();
  const a = cluster.node('a');
  a.step({ type: 'ping', source: 'b', seq: 5, target: 'someone-else', updates: [] }, addressOf('b'));
  assert.not.ok(cluster.collect('a').some((sent) => sent.message.type === 'ack'));
  assert.is(a.counters.pingsMisdirected, 1);
  assert.is(a.step({ type: 'ping', source: 'a', seq: 5, target: 'a', updates: [] }), undefined);
  assert.equal(cluster.collect('a'), []);
  a.step({ type: 'ping', source: 'stranger', seq: 1, target: 'a', updates: [] }, 'stranger.lan:1');
  const sent = cluster.collect('a');
  assert.ok(sent.some((message) => message.message.type === 'ack' && message.address === 'stranger.lan:1'));
  assert.ok(sent.some((message) => message.message.type === 'pushPull' && message.to === 'stranger'));
});

test('ready/advance: output produced after ready() survives advance(); the incarnation is reported until advanced', () => {
  // Proves the Ready contract the driver relies on.
  const cluster = threeNodes();
  cluster.settle();
  const b = cluster.node('b');
  b.step(gossipFrom('a', [{ kind: 'suspect', member: 'b', incarnation: 0, from: 'a' }]), addressOf('a'));
  const first = b.ready();
  assert.is(first.incarnation, 1);
  assert.ok(first.messages.length > 0);
  b.step({ type: 'ping', source: 'a', seq: 77, target: 'b', updates: [] }, addressOf('a'));
  b.advance();
  const second = b.ready();
  assert.is(second.incarnation, undefined);
  assert.equal(second.messages.map((sent) => sent.message.type), ['ack']);
  b.advance();
  assert.is(b.hasReady(), false);
});

test('the same seed gives the same run, message for message', () => {
  // Proves determinism: a failing scenario replays exactly.
  const transcript = (): string => {
    const cluster = threeNodes();
    cluster.drop = (sent) => sent.to === 'c';
    cluster.run(150);
    return JSON.stringify(cluster.log.map((sent) => [sent.from, sent.to, sent.message.type, 'seq' in sent.message ? sent.message.seq : -1]));
  };
  const first = transcript();
  assert.ok(first.length > 1000);
  assert.is(transcript(), first);
});

test.run();
