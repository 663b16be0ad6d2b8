// Placement constraints as text and as specs: parsing, refusals with the fix, and what matches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatConstraint, matchesConstraints, parseConstraint, schedule, SchedulerError, SchedulerErrorCode, validatePlacement } from '../../runtime/scheduler/index.js';
import { compileConstraint } from '../../runtime/scheduler/constraint.js';
import { node, perNode, replicas, service } from './fixtures.js';

function refusal(run: () => unknown): SchedulerError {
  try {
    run();
  } catch (error) {
    if (error instanceof SchedulerError) return error;
    throw error;
  }
  throw new Error('expected a SchedulerError');
}

test('well-formed constraints parse into field, operator and value', () => {
  // Proves every documented field parses, spaces around the operator are dropped, and formatting round-trips.
  assert.equal(parseConstraint('node.labels.zone==b'), { field: 'node.labels.zone', operator: '==', value: 'b' });
  assert.equal(parseConstraint('  node.role != manager '), { field: 'node.role', operator: '!=', value: 'manager' });
  for (const text of ['node.id==n1', 'node.hostname==pi-3', 'node.platform.arch==arm64', 'node.platform.os==linux', 'node.board==pi5', 'node.labels.rack/row==r1.2']) {
    assert.is(formatConstraint(parseConstraint(text)), text);
  }
});

test('bad constraint text is refused with a code, the field and a message that shows the fix', () => {
  // Proves each malformed expression fails with EDGE_SCHEDULER_CONSTRAINT_INVALID and says what is wrong.
  const cases: Array<[string, RegExp]> = [
    ['node.labels.zone', /no == or != operator: write FIELD==VALUE/],
    ['node.labels.zone=b', /"=" alone is not an operator/],
    ['node.role==manager==worker', /more than one operator/],
    ['==b', /names no field/],
    ['node.labels.zone==', /no value to compare with/],
    ['node.zone==b', /unknown field "node.zone": use one of node.id, node.hostname/],
    ['node.labels.==b', /names no label/],
    ['node.labels.-zone==b', /label key "-zone" must start with a letter or digit/],
    ['node.role==boss', /role is manager or worker, not "boss"/],
    ['node.labels.zone==a\tb', /control character/],
    [`node.labels.zone==${'x'.repeat(256)}`, /at most 255/],
    [`node.labels.zone==${'x'.repeat(600)}`, /at most 512 are allowed/],
  ];
  for (const [text, message] of cases) {
    const error = refusal(() => parseConstraint(text, 'placement.constraints[2]'));
    assert.is(error.code, SchedulerErrorCode.ConstraintInvalid, text);
    assert.is(error.field, 'placement.constraints[2]');
    assert.match(error.message, message, text);
    assert.is(error.retryable, false);
  }
});

test('constraints compare without case, a missing label is never equal, and arch spellings are folded', () => {
  // Proves the matching rules: Swarm-like case folding, == fails and != holds on a missing label, aarch64 means arm64.
  const labelled = node('n1', { hostname: 'Pi-3', labels: { zone: 'B' }, arch: 'aarch64' }).node;
  const bare = node('n2', { labels: {} }).node;
  const matches = (text: string, record = labelled): boolean => {
    const compiled = compileConstraint(parseConstraint(text));
    if (compiled instanceof SchedulerError) throw compiled;
    return compiled.matches(record);
  };
  assert.ok(matches('node.labels.zone==b'));
  assert.ok(matches('node.hostname==pi-3'));
  assert.not.ok(matches('node.labels.zone!=b'));
  assert.not.ok(matches('node.labels.zone==b', bare), 'missing label is not equal');
  assert.ok(matches('node.labels.zone!=b', bare), 'missing label satisfies !=');
  assert.ok(matches('node.platform.arch==arm64'));
  assert.ok(matches('node.platform.arch==AArch64'));
  assert.not.ok(matches('node.platform.arch==amd64'));
});

test('validatePlacement refuses a spec the scheduler could never place and accepts a good one', () => {
  // Proves the control API's check catches bad constraints, spread fields, numbers and ports, naming the spec field.
  validatePlacement(service('web', (spec) => {
    spec.placement.constraints = [parseConstraint('node.labels.zone==b')];
    spec.placement.spreadOver = ['node.labels.zone', 'node.hostname'];
    spec.ports = [{ published: 80, target: 8080, protocol: 'tcp' }, { published: 80, target: 8080, protocol: 'udp' }];
  }));
  const cases: Array<[(spec: ReturnType<typeof service>) => void, string, string]> = [
    [(spec) => { spec.placement.constraints = [{ field: 'node.colour', operator: '==', value: 'red' }]; }, SchedulerErrorCode.ConstraintInvalid, 'placement.constraints[0]'],
    [(spec) => { spec.placement.spreadOver = ['zone']; }, SchedulerErrorCode.SpreadInvalid, 'placement.spreadOver[0]'],
    [(spec) => { spec.placement.maxReplicasPerNode = -1; }, SchedulerErrorCode.PlacementInvalid, 'placement.maxReplicasPerNode'],
    [(spec) => { spec.resources.memoryReservationBytes = 0.5; }, SchedulerErrorCode.PlacementInvalid, 'resources.memoryReservationBytes'],
    [(spec) => { spec.ports = [{ published: 70_000, target: 1, protocol: 'tcp' }]; }, SchedulerErrorCode.PlacementInvalid, 'ports[0]'],
    [(spec) => { spec.ports = [{ published: 53, target: 53, protocol: 'udp' }, { published: 53, target: 5353, protocol: 'udp' }]; }, SchedulerErrorCode.PlacementInvalid, 'ports[1]'],
  ];
  for (const [change, code, field] of cases) {
    const error = refusal(() => validatePlacement(service('bad', change)));
    assert.is(error.code, code, field);
    assert.is(error.field, field);
  }
});

test('matchesConstraints gives the orchestrator the answer of the scheduler\'s constraints filter', () => {
  // Proves global services pick the same nodes schedule() would accept, and an invalid constraint matches nothing.
  const nodes = [node('a', { labels: { zone: 'b' } }), node('b', { labels: { zone: 'c' } }), node('c')];
  const spec = service('agent', (s) => { s.placement.constraints = [parseConstraint('node.labels.zone!=c')]; });
  assert.equal(nodes.filter((entry) => matchesConstraints(spec, entry.node)).map((entry) => entry.node.id), ['a', 'c']);
  const perNodeCap = service('agent', (s) => { s.placement.constraints = spec.placement.constraints; s.placement.maxReplicasPerNode = 1; });
  assert.equal(Object.keys(perNode(schedule({ nodes, placed: [], pending: replicas('agent', perNodeCap, 3) }))), ['a', 'c']);
  const broken = service('agent', (s) => { s.placement.constraints = [{ field: 'node.nope', operator: '==', value: 'x' }]; });
  assert.not.ok(nodes.some((entry) => matchesConstraints(broken, entry.node)));
});

test.run();
