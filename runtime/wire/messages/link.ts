// Frames that keep a link itself alive: the opening handshake and the
// heartbeat. Owned by the wire; the transport sends and answers them.
import { defineMessage, definePart } from '../definitions.js';
import { array, string, uint } from '../schema.js';

/** The link protocol this software speaks; `hello.protocol` carries it. */
export const wireProtocolVersion = 1;

/**
 * First frame each side sends after TLS is up. A node refuses a peer whose
 * protocol it does not speak; features name optional abilities (such as
 * "raft.prevote") so a newer node knows what an older one can take.
 */
export const helloMessage = defineMessage({
  type: 'hello',
  version: 1,
  fields: {
    protocol: uint({ max: 0xffff }),
    /** Human-readable build, e.g. "edged 0.1.0 (arm64)"; for logs and `edgectl node inspect`. */
    software: string({ minBytes: 1, maxBytes: 64 }),
    features: array(string({ minBytes: 1, maxBytes: 32 }), { maxItems: 64 }),
  },
});

/**
 * Heartbeat probe. Kept tiny (≤ 64 bytes encoded) because every link sends
 * one per interval forever. `sentAtMs` is the sender's monotonic clock, so
 * only the sender can turn the echoed value into a round-trip time.
 */
export const pingMessage = defineMessage({
  type: 'ping',
  version: 1,
  fields: { seq: uint(), sentAtMs: uint() },
});

/** Answer to a ping: echoes its `seq` and `sentAtMs` unchanged. */
export const pongMessage = defineMessage({
  type: 'pong',
  version: 1,
  fields: { seq: uint(), sentAtMs: uint() },
});

export const link = definePart({
  owner: 'wire (link)',
  messages: [helloMessage, pingMessage, pongMessage],
});
