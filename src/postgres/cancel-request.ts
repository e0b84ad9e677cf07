import { connect } from 'node:net';

/**
 * The protocol's CancelRequest: 16 bytes on a short-lived connection of its
 * own. Frees a backend we stopped waiting for (a commit stuck waiting for a
 * synchronous standby would otherwise hold a connection slot until the
 * standby returns). Best effort: never throws, never waits.
 */
export function sendCancelRequest(host: string, port: number, processId: number, secretKey: number, timeoutMs: number): void {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processId, 8);
  message.writeInt32BE(secretKey, 12);
  const socket = connect({ host, port });
  socket.setTimeout(timeoutMs, () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.once('connect', () => socket.end(message));
}
