import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { announcement, answerQuery, readQuery, replyPacket, type AdvertisedService, type QueryView } from '../../runtime/discovery/responder.js';

const service: AdvertisedService = {
  instance: 'mgr-1',
  port: 4242,
  txt: { cluster: 'c', ca: '0123456789abcdef', role: 'manager', node: 'mgr-1' },
  addresses: ['10.0.0.5', '2001:db8::5'],
  ttlSeconds: 120,
};
const limits = { questionsPerQueryMax: 32, knownAnswersPerQueryMax: 64 };
const query = (questions: Array<[string, string, string?]>, answers: unknown[] = [], id = 0): QueryView => {
  const view = readQuery({ id, type: 'query', flags: 0, questions: questions.map(([name, type, klass]) => ({ name, type, class: klass ?? 'IN' })), answers }, limits);
  if (!view) throw new Error('test query did not read');
  return view;
};
const summary = (records: Array<{ name: string; type: string }>): string[] => records.map((record) => `${record.type} ${record.name}`);

test('a PTR query is answered with the PTR, and SRV, TXT, A and AAAA as additionals', () => {
  // Proves one round trip resolves a manager: the browser needs no second query.
  const reply = answerQuery(service, query([['_edgectl._tcp.local', 'PTR']]), 5353);
  assert.ok(reply);
  assert.equal(summary(reply!.answers), ['PTR _edgectl._tcp.local']);
  assert.equal(summary(reply!.additionals), ['SRV mgr-1._edgectl._tcp.local', 'TXT mgr-1._edgectl._tcp.local', 'A edgectl-mgr-1.local', 'AAAA edgectl-mgr-1.local']);
  assert.ok(reply!.sharedOnly, 'PTR is shared: the advertiser delays 20-120 ms');
  assert.not.ok(reply!.unicast);
  const srv = reply!.additionals[0]!;
  assert.equal(srv.data, { priority: 0, weight: 0, port: 4242, target: 'edgectl-mgr-1.local' });
  assert.ok(srv.flush, 'unique records carry the cache-flush bit');
});

test('SRV, TXT, host and ANY questions, matched case-insensitively', () => {
  // Proves the responder answers the follow-up questions a browser sends for a half-seen instance.
  assert.equal(summary(answerQuery(service, query([['MGR-1._edgectl._tcp.local', 'SRV']]), 5353)!.answers), ['SRV mgr-1._edgectl._tcp.local']);
  assert.equal(summary(answerQuery(service, query([['mgr-1._edgectl._tcp.local', 'ANY']]), 5353)!.answers), ['SRV mgr-1._edgectl._tcp.local', 'TXT mgr-1._edgectl._tcp.local']);
  const a = answerQuery(service, query([['edgectl-mgr-1.local', 'A']]), 5353)!;
  assert.equal(summary(a.answers), ['A edgectl-mgr-1.local']);
  assert.equal(summary(a.additionals), ['AAAA edgectl-mgr-1.local']);
  assert.not.ok(a.sharedOnly, 'unique answers go out at once');
  assert.equal(summary(answerQuery(service, query([['_services._dns-sd._udp.local', 'PTR']]), 5353)!.answers), ['PTR _services._dns-sd._udp.local']);
});

test('questions about other names or classes get no answer', () => {
  // Proves the responder stays silent for everything that is not ours.
  assert.is(answerQuery(service, query([['_ipp._tcp.local', 'PTR']]), 5353), undefined);
  assert.is(answerQuery(service, query([['mgr-2._edgectl._tcp.local', 'SRV']]), 5353), undefined);
  assert.is(answerQuery(service, query([['_edgectl._tcp.local', 'PTR', 'CH']]), 5353), undefined);
});

test('a PTR the querier already knows with half its TTL left is not sent again', () => {
  // Proves known-answer suppression (RFC 6762 §7.1) keeps a settled LAN quiet.
  const known = (ttl: number) => [{ name: '_edgectl._tcp.local', type: 'PTR', ttl, class: 'IN', data: 'mgr-1._edgectl._tcp.local' }];
  assert.is(answerQuery(service, query([['_edgectl._tcp.local', 'PTR']], known(60)), 5353), undefined);
  assert.ok(answerQuery(service, query([['_edgectl._tcp.local', 'PTR']], known(59)), 5353), 'less than half left: answer');
});

test('QU questions get a unicast reply; legacy queriers get id, questions and TTL ≤ 10 s', () => {
  // Proves `dig -p 5353 @224.0.0.251` style tools and QU queries are answered the way RFC 6762 §5.4 and §6.7 ask.
  const qu = answerQuery(service, query([['_edgectl._tcp.local', 'PTR', 'UNKNOWN_32769']]), 5353)!;
  assert.ok(qu.unicast);
  assert.is(qu.legacy, undefined);
  const legacy = answerQuery(service, query([['_edgectl._tcp.local', 'PTR']], [], 4711), 40000)!;
  assert.ok(legacy.unicast);
  const packet = replyPacket(legacy);
  assert.is(packet.id, 4711);
  assert.equal(packet.questions, [{ name: '_edgectl._tcp.local', type: 'PTR' }]);
  assert.ok([...packet.answers!, ...packet.additionals!].every((record) => record.ttl === 10 && !record.flush));
});

test('malformed queries are refused by the reader', () => {
  // Proves a hostile query cannot reach the responder with a shape it does not expect.
  const base = { id: 1, type: 'query', flags: 0, questions: [{ name: '_edgectl._tcp.local', type: 'PTR', class: 'IN' }], answers: [] };
  assert.ok(readQuery(base, limits));
  assert.is(readQuery(null, limits), undefined);
  assert.is(readQuery({ ...base, flags: 1 << 11 }, limits), undefined, 'opcode');
  assert.is(readQuery({ ...base, questions: [{ name: 5, type: 'PTR' }] }, limits), undefined);
  assert.is(readQuery({ ...base, questions: Array.from({ length: 33 }, () => base.questions[0]) }, limits), undefined);
  assert.is(readQuery({ ...base, answers: [{ name: 'x', type: 'PTR' }] }, limits), undefined, 'known answer without TTL');
});

test('announcements and goodbyes carry every record, goodbyes at TTL 0', () => {
  // Proves start-up announcements resolve a browser by themselves and a goodbye withdraws everything.
  const hello = announcement(service, { goodbye: false });
  assert.equal(summary(hello.answers!), ['PTR _edgectl._tcp.local', 'SRV mgr-1._edgectl._tcp.local', 'TXT mgr-1._edgectl._tcp.local', 'A edgectl-mgr-1.local', 'AAAA edgectl-mgr-1.local']);
  assert.ok(hello.answers!.every((record) => record.ttl === 120));
  assert.equal(hello.answers![2]!.data, ['v=1', 'cluster=c', 'ca=0123456789abcdef', 'role=manager', 'node=mgr-1']);
  const bye = announcement(service, { goodbye: true });
  assert.ok(bye.answers!.every((record) => record.ttl === 0));
  assert.is(bye.answers!.length, 5);
});

test.run();
