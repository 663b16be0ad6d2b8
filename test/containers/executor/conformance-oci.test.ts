// The shared executor conformance suite, run against the OCI executor with
// real containers (runc here; crun on a cgroup v2 host), as root.
import { suite } from 'uvu';
import { createExecutor } from '../../../runtime/containers/executor/index.js';
import type { Executor } from '../../../runtime/containers/executor/types.js';
import { defineConformance, type Behaviour } from './conformance.js';
import { canRunContainers, Sandbox } from './support.js';

const test = suite('executor conformance: oci');

if (canRunContainers()) {
  const sandbox = await Sandbox.create('conformance');
  let current: Executor | null = null;

  const script = (behaviour: Behaviour): string => {
    switch (behaviour.kind) {
      case 'exit': {
        const out = (behaviour.stdout ?? []).map((line) => `echo ${line}`);
        const err = (behaviour.stderr ?? []).map((line) => `echo ${line} >&2`);
        const pause = behaviour.afterMs === undefined ? [] : [`sleep ${behaviour.afterMs / 1000}`];
        return [...out, ...err, ...pause, `exit ${behaviour.code}`].join('; ');
      }
      case 'until-term':
        // `wait` returns as soon as the trapped signal arrives, unlike a foreground sleep.
        return 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done';
      case 'ignore-term':
        return 'trap "" TERM; while :; do sleep 1; done';
    }
  };

  defineConformance(test, {
    async open() {
      await current?.close();
      current = await createExecutor(sandbox.config());
      return current;
    },
    spec: (id, behaviour) => sandbox.shellSpec(id, script(behaviour)),
    execCommand: (code) => ['sh', '-c', `exit ${code}`],
    newId: (label) => sandbox.id(label),
    async cleanup() {
      await current?.close();
      await sandbox.cleanup();
    },
  });
}

test.run();
