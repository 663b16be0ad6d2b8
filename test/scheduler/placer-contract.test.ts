// The scheduler plugs into the orchestrator's Placer interface as its README says, with no adapter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Placer } from '../../runtime/orchestrator/placer.js';
import { matchesConstraints, rebalance, schedule } from '../../runtime/scheduler/index.js';
import { node, replicas, service } from './fixtures.js';

test('schedule, rebalance and matchesConstraints satisfy Placer', () => {
  // Proves the shapes agree (the type-check fails otherwise) and a call through the interface places a task.
  const placer: Placer = { place: schedule, rebalance, matches: matchesConstraints };
  const decisions = placer.place({ nodes: [node('a')], placed: [], pending: replicas('web', service('web'), 1) });
  assert.equal(decisions, [{ kind: 'placed', taskId: 'web.1', nodeId: 'a' }]);
});

test.run();
