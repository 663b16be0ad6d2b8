import type { WebSocket } from 'ws';
import type { FrameSocket } from './frames.js';

/** Adapts a `ws` WebSocket to the FrameSocket a Link runs on. */
export function wsFrameSocket(ws: WebSocket): FrameSocket {
  return {
    send(bytes, done) {
      ws.send(bytes, { binary: true }, (error) => done(error ?? undefined));
    },
    close(code, reason) {
      ws.close(code, reason);
      // A peer that never answers the close handshake must not keep the socket.
      setTimeout(() => ws.terminate(), 2000).unref();
    },
    onFrame(listener) {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          ws.close(1003, 'text frames are not part of the protocol');
          return;
        }
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        listener(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
      });
    },
    pause() {
      ws.pause();
    },
    resume() {
      ws.resume();
    },
    onClose(listener) {
      ws.on('close', (code, reason) => listener(code, reason.toString()));
    },
  };
}
