import { createServer } from 'node:net';
import { UsageError } from '../../errors.ts';

/** Resolves when 127.0.0.1:port can be bound (so Docker can publish it), false when taken. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel considers free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The client endpoint's port: the one asked for (must be free: exit 2 if not), or any free one for 0. */
export async function claimClientPort(port: number): Promise<number> {
  if (port === 0) return freePort();
  if (!(await portIsFree(port))) {
    throw new UsageError(`port ${port} on 127.0.0.1 is already in use: pass --port with a free port, or --port 0 for any free one`);
  }
  return port;
}
