// Who may send what on the links of a node (see transport/authorization.ts).
import { MessagePolicy } from '../transport/authorization.js';
import { controlMethods } from '../wire/messages/control.js';
import { serviceMethods } from '../wire/messages/services.js';

/** Messages between nodes: roles come from the peer's certificate. */
export function nodePolicy(): MessagePolicy {
  return new MessagePolicy()
    .allow('cluster.join', ['joiner'])
    .allow('cluster.session', ['manager', 'worker'])
    .allow('cluster.renew', ['manager', 'worker'])
    .allow('cluster.leaving', ['manager', 'worker'])
    .allow('gossip.message', ['manager', 'worker'])
    .allow('gossip.datagramKey', ['manager', 'worker'])
    .allow('cluster.forward', ['manager'])
    .allow('cluster.sessionChanged', ['manager'])
    .allow('node.logs', ['manager'])
    .allow('raft.message', ['manager'])
    // A manager's own agent runs tasks too, so managers may speak the worker side.
    .allow('dispatcher.hello', ['worker', 'manager'])
    .allow('dispatcher.status', ['worker', 'manager'])
    .allow('dispatcher.progress', ['worker', 'manager'])
    .allow('dispatcher.assign', ['manager']);
}

/** The control socket: only edgectl (root, through the socket's file mode) talks there. */
export function controlPolicy(): MessagePolicy {
  const policy = new MessagePolicy();
  for (const method of [...controlMethods, ...serviceMethods]) policy.allow(method.method, ['control']);
  return policy;
}
