// The link protocol's view of the frames it moves. The wire module owns the
// encoding and schema checks; the link only needs these shapes.

export interface ErrorBody {
  code: string;
  message: string;
  retryable: boolean;
}

export type LinkFrame =
  | { t: 'request'; id: number; method: string; body: unknown }
  | { t: 'response'; id: number; ok: true; body: unknown; method: string }
  | { t: 'response'; id: number; ok: false; error: ErrorBody; method?: string }
  | { t: 'cancel'; id: number }
  | { t: 'event'; topic: string; body: unknown }
  | { t: 'ping'; seq: number; sentAtMs: number }
  | { t: 'pong'; seq: number; sentAtMs: number };

/**
 * Encodes and decodes frames. `decode` throws a FrameError on anything
 * malformed; `methodOfResponse` tells it which method a response answers so
 * that the body can be checked against that method's schema. An outgoing
 * successful response names its method for the same reason.
 */
export interface LinkCodec {
  encode(frame: LinkFrame): Uint8Array;
  decode(bytes: Uint8Array, methodOfResponse: (id: number) => string | undefined): LinkFrame;
}

/**
 * What a codec throws. `closesLink: false` marks the few refusals that concern
 * one call (an unknown method, a late response): the link answers or drops
 * that frame and stays up. Anything else closes the link.
 */
export interface FrameError extends Error {
  code: string;
  closesLink?: boolean;
  /** The request id the bad frame carried, so the link can answer it. */
  rpcId?: number;
  messageType?: string;
}

/** A message-oriented socket: a WebSocket, or one end of an in-memory pipe. */
export interface FrameSocket {
  /** Queues bytes; `done` runs once they left the process (or failed). */
  send(bytes: Uint8Array, done: (error?: Error) => void): void;
  close(code: number, reason: string): void;
  onFrame(listener: (bytes: Uint8Array) => void): void;
  onClose(listener: (code: number, reason: string) => void): void;
  /** Stop and restart reading from the peer (flow control; tests use it to make a slow reader). */
  pause(): void;
  resume(): void;
}

/** WebSocket close codes used by links (4000-4999 are free for applications). */
export const closeCodes = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  /** No close frame: the connection just ended (the peer process died, or its host reset the connection). */
  abnormal: 1006,
  policyViolation: 1008,
  tooBig: 1009,
  heartbeatLost: 4001,
  removed: 4003,
  forbidden: 4004,
} as const;
