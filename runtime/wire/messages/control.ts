// The control API: what edgectl asks of its local edged over the control
// socket (and what a follower manager forwards to the leader). Bodies are
// bounded like every other frame; the CLI prints what comes back.
import { defineMethod, definePart } from '../definitions.js';
import { array, bool, object, oneOf, optional, record, string, uint, type Infer } from '../schema.js';

const nodeRef = string({ minBytes: 1, maxBytes: 253 });
const labels = record(string({ maxBytes: 255 }), { maxEntries: 64, keyMaxBytes: 63 });
const token = string({ maxBytes: 256 });

export const nodeView = object({
  id: string({ maxBytes: 64 }),
  hostname: string({ maxBytes: 253 }),
  role: oneOf('manager', 'worker'),
  status: oneOf('ready', 'down', 'unknown'),
  statusMessage: string({ maxBytes: 256 }),
  statusChangedAtMs: uint(),
  availability: oneOf('active', 'pause', 'drain'),
  /** Null for workers. */
  managerStatus: optional(oneOf('leader', 'reachable', 'unreachable')),
  raftId: uint(),
  addr: string({ maxBytes: 64 }),
  labels,
  platform: object({ os: string({ maxBytes: 32 }), arch: string({ maxBytes: 32 }) }),
  board: string({ maxBytes: 64 }),
  memoryBytes: uint(),
  cores: uint(),
  joinedAtMs: uint(),
  /** SHA-256 (hex) of the root CA that issued the certificate the node reports holding; absent until it reports. */
  certRootDigestHex: optional(string({ maxBytes: 64 })),
});
export type NodeView = Infer<typeof nodeView>;

const staleRead = { stale: optional(bool()) };
const digestHex = string({ minBytes: 64, maxBytes: 64 });

/** A root CA rotation as `edgectl swarm ca` shows it (runtime/store/ca-rotation.ts rotationProgress). */
export const caRotationView = object({
  nextDigestHex: digestHex,
  previousDigestHex: digestHex,
  startedAtMs: uint(),
  nodesTotal: uint(),
  nodesDone: uint(),
  pending: array(object({ id: string({ maxBytes: 64 }), hostname: string({ maxBytes: 253 }), status: oneOf('ready', 'down', 'unknown') }), { maxItems: 10_000 }),
});
export type CaRotationView = Infer<typeof caRotationView>;

export const controlMethods = [
  defineMethod({
    method: 'swarm.init',
    request: object({ advertiseAddr: optional(string({ maxBytes: 64 })), certExpiryMs: optional(uint()), forceNewCluster: optional(bool()) }),
    response: object({
      nodeId: string({ maxBytes: 64 }),
      clusterId: string({ maxBytes: 64 }),
      addr: string({ maxBytes: 64 }),
      /** Empty after --force-new-cluster on a manager that does not hold the printable token. */
      workerToken: token,
      managerToken: token,
      warning: optional(string({ maxBytes: 1024 })),
    }),
  }),
  defineMethod({
    method: 'swarm.join',
    request: object({ token: string({ minBytes: 1, maxBytes: 256 }), manager: optional(string({ maxBytes: 64 })), timeoutMs: optional(uint()) }),
    response: object({ nodeId: string({ maxBytes: 64 }), clusterId: string({ maxBytes: 64 }), role: oneOf('manager', 'worker'), manager: string({ maxBytes: 64 }) }),
  }),
  defineMethod({
    method: 'swarm.joinToken',
    request: object({ role: oneOf('manager', 'worker'), rotate: bool() }),
    response: object({ role: oneOf('manager', 'worker'), token, createdAtMs: uint(), managerAddr: string({ maxBytes: 64 }) }),
  }),
  defineMethod({
    method: 'swarm.ca',
    request: object({ ...staleRead }),
    response: object({
      certPem: string({ minBytes: 1, maxBytes: 16 * 1024 }),
      digestHex,
      notBeforeMs: uint(),
      notAfterMs: uint(),
      /** 1 for the root made at init, one more per rotation. */
      generation: uint(),
      rotation: optional(caRotationView),
    }),
  }),
  defineMethod({
    method: 'swarm.caRotate',
    request: object({}),
    response: object({ nextDigestHex: digestHex, previousDigestHex: digestHex, startedAtMs: uint() }),
  }),
  defineMethod({ method: 'swarm.leave', request: object({ force: bool() }), response: object({ left: bool() }) }),
  defineMethod({
    method: 'swarm.info',
    request: object({}),
    response: object({
      state: oneOf('inactive', 'joining', 'active', 'error'),
      message: string({ maxBytes: 1024 }),
      nodeId: string({ maxBytes: 64 }),
      clusterId: string({ maxBytes: 64 }),
      role: optional(oneOf('manager', 'worker')),
      addr: string({ maxBytes: 64 }),
      leader: string({ maxBytes: 64 }),
      managers: uint(),
      nodes: uint(),
      version: string({ maxBytes: 64 }),
      arch: string({ maxBytes: 32 }),
    }),
  }),
  defineMethod({ method: 'node.ls', request: object(staleRead), response: object({ nodes: array(nodeView, { maxItems: 10_000 }) }) }),
  defineMethod({ method: 'node.inspect', request: object({ ref: nodeRef, ...staleRead }), response: object({ node: nodeView }) }),
  defineMethod({
    method: 'node.update',
    request: object({
      ref: nodeRef,
      availability: optional(oneOf('active', 'pause', 'drain')),
      labelsAdd: optional(labels),
      labelsRemove: optional(array(string({ maxBytes: 63 }), { maxItems: 64 })),
    }),
    response: object({ node: nodeView }),
  }),
  defineMethod({ method: 'node.promote', request: object({ ref: nodeRef }), response: object({ node: nodeView }) }),
  defineMethod({ method: 'node.demote', request: object({ ref: nodeRef }), response: object({ node: nodeView }) }),
  defineMethod({ method: 'node.rm', request: object({ ref: nodeRef, force: bool() }), response: object({ id: string({ maxBytes: 64 }) }) }),
] as const;

export const control = definePart({ owner: 'control API', methods: [...controlMethods] });
