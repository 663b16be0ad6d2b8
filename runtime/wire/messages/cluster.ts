// Node-to-node calls of the cluster: joining, worker sessions, forwarding a
// write to the leader, and gossip. Who may send each is in the transport
// policy (runtime/daemon/policy.ts); bodies are bounded here.
import { defineMethod, definePart, defineTopic } from '../definitions.js';
import { any, array, bool, bytes, object, oneOf, optional, record, string, uint, type Infer } from '../schema.js';

const nodeId = string({ minBytes: 1, maxBytes: 64 });
const address = string({ minBytes: 3, maxBytes: 64 });
const pem = string({ minBytes: 1, maxBytes: 16 * 1024 });
const labels = record(string({ maxBytes: 255 }), { maxEntries: 64, keyMaxBytes: 63 });
const digestHex = string({ minBytes: 64, maxBytes: 64 });
/** What a node presents after its certificate: the root, or during a root rotation the cross-signed bridge and the old root. */
const chainPem = optional(pem);

/** The certificate a node holds: the root that issued it decides whether a root rotation is done with the node. */
export const certificateReport = object({ serial: string({ minBytes: 1, maxBytes: 40 }), rootDigestHex: digestHex });

/** What every node should hold (runtime/store/ca-rotation.ts caDirective). */
export const caDirective = object({ trustPem: pem, signingRootDigestHex: digestHex, chainPem: pem });

export const managerAddress = object({ nodeId, raftId: uint(), addr: address });
export type ManagerAddress = Infer<typeof managerAddress>;

/** A node without a certificate asks to join; the token decides its role. */
export const joinMethod = defineMethod({
  method: 'cluster.join',
  request: object({
    token: string({ minBytes: 1, maxBytes: 256 }),
    csrPem: pem,
    hostname: string({ minBytes: 1, maxBytes: 253 }),
    addr: address,
    labels,
    platform: object({ os: string({ maxBytes: 32 }), arch: string({ maxBytes: 32 }) }),
    board: string({ maxBytes: 64 }),
    memoryBytes: uint(),
    allocatableBytes: optional(uint()),
    cores: uint({ max: 4096 }),
    /** Set when the node already has an id (a re-join after its certificate was lost). */
    previousNodeId: optional(nodeId),
  }),
  response: object({
    nodeId,
    clusterId: string({ minBytes: 1, maxBytes: 64 }),
    role: oneOf('manager', 'worker'),
    certPem: pem,
    caPem: pem,
    chainPem,
    raftId: uint(),
    managers: array(managerAddress, { maxItems: 64 }),
    clusterTimeMs: uint(),
  }),
});

/** A node (re)opens its session with a manager: who the managers are, what time it is. */
export const sessionMethod = defineMethod({
  method: 'cluster.session',
  /** `cert`: what the node holds now, reported every session refresh; the manager records changes. */
  /** `caKnown`: the `caKey` of the last directive the node received; the manager leaves `ca` out while it still holds. */
  request: object({ addr: address, cert: optional(certificateReport), caKnown: optional(string({ maxBytes: 80 })) }),
  response: object({
    clusterId: string({ minBytes: 1, maxBytes: 64 }),
    /** The node's role as the store has it: a change means promote/demote happened. */
    role: oneOf('manager', 'worker'),
    leader: optional(nodeId),
    managers: array(managerAddress, { maxItems: 64 }),
    clusterTimeMs: uint(),
    /** Trust bundle, signer and chain: how a worker learns that a root rotation began or ended. */
    ca: optional(caDirective),
    /** Names `ca` (its signing root and whether a rotation runs), for the node's next `caKnown`. */
    caKey: optional(string({ maxBytes: 80 })),
  }),
});

/** A follower manager hands a control request to the leader, which runs it as if called locally. */
export const forwardMethod = defineMethod({
  method: 'cluster.forward',
  /** `expiresAtMs` (cluster time): a forward that arrives late, after a partition healed, is refused rather than applied behind its caller's back. */
  request: object({ method: string({ minBytes: 1, maxBytes: 64 }), body: any(), expiresAtMs: uint() }),
  response: object({ body: any() }),
});

/** A node asks for a fresh certificate (renewal, or a new role after promote/demote); the role comes from the store. */
export const renewMethod = defineMethod({
  method: 'cluster.renew',
  request: object({ csrPem: pem }),
  response: object({ certPem: pem, caPem: pem, chainPem, role: oneOf('manager', 'worker'), raftId: uint(), managers: array(managerAddress, { maxItems: 64 }) }),
});

/** A manager collects a service's output from the nodes that ran its tasks (`edgectl service logs`). */
export const logsMethod = defineMethod({
  method: 'node.logs',
  request: object({ taskIds: array(nodeId, { maxItems: 1000 }), tailLines: uint({ max: 100_000 }) }),
  response: object({ lines: array(object({ task: nodeId, stream: oneOf('stdout', 'stderr'), text: string({ maxBytes: 64 * 1024 }) }), { maxItems: 100_000 }) }),
});

/** A node that leaves on purpose says so, so it is shown as left rather than down. */
export const leavingTopic = defineTopic({ topic: 'cluster.leaving', body: object({ nodeId, graceful: bool() }) });

/** A manager tells a node with a session that its session answer changed (role, leader, managers): ask again. Saves polling often. */
export const sessionChangedTopic = defineTopic({ topic: 'cluster.sessionChanged', body: object({}) });

/** Gossip (SWIM) messages; the gossip core defines their fields. */
export const gossipTopic = defineTopic({ topic: 'gossip.message', body: any() });

/**
 * A node hands a peer the key it will put on the gossip probes (UDP) it sends
 * that peer; the link's TLS is what makes the key trustworthy. `accepted` is
 * false when the peer already uses that key id for another node.
 */
export const datagramKeyMethod = defineMethod({
  method: 'gossip.datagramKey',
  request: object({ keyId: uint({ max: 0xffff_ffff }), key: bytes({ maxBytes: 32 }) }),
  response: object({ accepted: bool() }),
});

export const cluster = definePart({
  owner: 'cluster',
  methods: [joinMethod, sessionMethod, forwardMethod, renewMethod, logsMethod, datagramKeyMethod],
  topics: [leavingTopic, sessionChangedTopic, gossipTopic],
});
