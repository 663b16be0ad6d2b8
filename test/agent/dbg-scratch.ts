import { Harness, task } from './support.js';
const h = await Harness.create();
h.agent.onSessionOpen();
await h.assign(1, [task('crash', { program: { exitAfterMs: 100, exitCode: 1 }, spec: { restartPolicy: { condition: 'on-failure', delayMs: 500, maxAttempts: 2, windowMs: 0 } } })]);
h.agent.onSessionLost();
for (let i = 0; i < 10; i++) { await h.advance(100); console.log(h.clock.nowMs() - 1_700_000_000_000, h.view('crash')?.state, h.timers.pendingCount, [...h.host.containers.keys()]); }
console.log(h.logs);
await h.cleanup();
