// When the leader's reconcile passes run, on a clock moved by hand: a burst
// of store changes makes one pass after the debounce, a change during a pass
// makes exactly one more after it, a plan's wake time is honoured (and an
// earlier change is not held back by it), an idle leader passes only on the
// safety timer, and nothing runs after stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualTimers } from '../../runtime/containers/executor/timers.js';
import { PassSchedule } from '../../runtime/daemon/pass-schedule.js';

const config = { debounceMs: 10, safetyIntervalMs: 5000 };
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Harness {
  readonly timers = new ManualTimers();
  /** Clock times (ms) at which passes started. */
  readonly passes: number[] = [];
  /** What the next passes return as their wake time, relative to their start; null = none. */
  wakeInMs: number | null = null;
  /** When set, a pass waits for this before finishing. */
  hold: Promise<void> | undefined;
  readonly schedule: PassSchedule;

  constructor() {
    this.schedule = new PassSchedule({
      timers: this.timers,
      nowMs: () => this.timers.elapsedMs,
      config,
      runPass: async () => {
        const startedAtMs = this.timers.elapsedMs;
        this.passes.push(startedAtMs);
        if (this.hold) await this.hold;
        return this.wakeInMs === null ? null : startedAtMs + this.wakeInMs;
      },
    });
  }

  async advance(ms: number): Promise<void> {
    for (let step = 0; step < ms; step++) {
      this.timers.advance(1);
      await settle();
    }
  }
}

test('a burst of changes makes one pass, debounced', async () => {
  const world = new Harness();
  world.schedule.start();
  for (let i = 0; i < 5; i++) {
    world.schedule.changed();
    await world.advance(2);
  }
  // The first change armed the timer; later ones within the window do not push it back.
  await world.advance(100);
  assert.equal(world.passes, [10]);
  world.schedule.stop();
});

test('a change during a pass makes exactly one more pass after it', async () => {
  const world = new Harness();
  world.schedule.start();
  let release!: () => void;
  world.hold = new Promise((resolve) => (release = resolve));
  world.schedule.changed();
  await world.advance(10);
  assert.equal(world.passes, [10]);
  // The pass writes; its own entries and others come back as changes while it runs.
  world.schedule.changed();
  world.schedule.changed();
  await world.advance(50);
  assert.equal(world.passes, [10], 'passes never overlap');
  world.hold = undefined;
  release();
  await settle();
  await world.advance(100);
  assert.equal(world.passes, [10, 70]);
  world.schedule.stop();
});

test('the plan\'s wake time brings the next pass; a change before it is not held back', async () => {
  const world = new Harness();
  world.schedule.start();
  world.wakeInMs = 300;
  world.schedule.changed();
  await world.advance(10);
  world.wakeInMs = null;
  await world.advance(400);
  assert.equal(world.passes, [10, 310], 'woken at the restart delay\'s end, not at the safety interval');
  world.wakeInMs = 1000;
  world.schedule.changed();
  await world.advance(10);
  assert.equal(world.passes, [10, 310, 420]);
  world.wakeInMs = null;
  world.schedule.changed();
  await world.advance(20);
  assert.equal(world.passes, [10, 310, 420, 430], 'a change comes first even with a wake time armed later');
  world.schedule.stop();
});

test('a wake time already past runs the next pass at once', async () => {
  const world = new Harness();
  world.schedule.start();
  world.wakeInMs = -50;
  world.schedule.changed();
  await world.advance(11);
  assert.equal(world.passes, [10, 10]);
  world.schedule.stop();
});

test('an idle leader passes only on the safety timer; stop ends everything', async () => {
  const world = new Harness();
  world.schedule.start();
  await world.advance(12_000);
  assert.equal(world.passes, [5000, 10_000]);
  world.schedule.changed();
  world.schedule.stop();
  world.schedule.changed();
  await world.advance(12_000);
  assert.equal(world.passes, [5000, 10_000]);
  assert.is(world.timers.pendingCount, 0, 'no timer left behind');
});

test.run();
