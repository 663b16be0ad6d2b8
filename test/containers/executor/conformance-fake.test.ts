// The shared executor conformance suite, run against FakeExecutor.
import { suite } from 'uvu';
import { FakeExecutor, FakeHost, fakeProgramArgs } from '../../../runtime/containers/executor/fake-executor.js';
import type { Executor } from '../../../runtime/containers/executor/types.js';
import { defineConformance, type Behaviour } from './conformance.js';

const test = suite('executor conformance: fake');
const host = new FakeHost();
let current: Executor | null = null;
let counter = 0;

defineConformance(test, {
  async open() {
    await current?.close();
    current = new FakeExecutor(host);
    return current;
  },
  spec(id: string, behaviour: Behaviour) {
    const args =
      behaviour.kind === 'exit'
        ? fakeProgramArgs({ exitCode: behaviour.code, exitAfterMs: behaviour.afterMs ?? 0, stdout: behaviour.stdout, stderr: behaviour.stderr })
        : behaviour.kind === 'until-term'
          ? fakeProgramArgs({ onTerm: 'exit', termExitCode: 0, execExitCodes: { 'exit 4': 4 } })
          : fakeProgramArgs({ onTerm: 'ignore' });
    return { id, rootfsPath: '/nonexistent-fake-rootfs', args };
  },
  execCommand(code: number) {
    return ['exit', String(code)];
  },
  newId(label: string) {
    counter += 1;
    return `${label}-${counter}`;
  },
  async cleanup() {
    await current?.close();
  },
});

test.run();
