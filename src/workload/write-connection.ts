/**
 * How a writer talks to the client endpoint: one pg.Client per writer with a
 * short connect timeout and TCP keepalive, and no server-side timeouts at all.
 *
 * Why no statement_timeout: when PostgreSQL cancels a commit that is waiting
 * for a synchronous standby, it answers with a WARNING and reports the commit
 * as successful. A server-side timeout would therefore turn unreplicated
 * writes into acknowledged ones. The options below even override one the
 * role or database might carry; the writer keeps its own client-side timeout.
 */
import pg from 'pg';
import { sendCancelRequest } from '../postgres/cancel-request.ts';
import type { ConnectionInfo } from '../targets/endpoints.ts';

export interface WriteConnectionOptions {
  connectTimeoutMs: number;
  applicationName: string;
}

export function writeClientConfig(endpoint: ConnectionInfo, options: WriteConnectionOptions): pg.ClientConfig {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1_000,
    application_name: options.applicationName,
    options: '-c statement_timeout=0',
  };
}

/**
 * Connects, or rejects with the reason. A client that errors while idle (the
 * server terminated it, the socket reset) reports through `onBroken`; without
 * an 'error' listener node would crash the whole harness on it.
 */
export async function openWriteClient(
  endpoint: ConnectionInfo,
  options: WriteConnectionOptions,
  onBroken: (client: pg.Client) => void,
): Promise<pg.Client> {
  const client = new pg.Client(writeClientConfig(endpoint, options));
  client.on('error', () => onBroken(client));
  client.on('end', () => onBroken(client));
  await client.connect();
  return client;
}

interface BackendKey {
  processID: number | null;
  secretKey: number | null;
}

/**
 * Closes a client whose statement did not answer in time. First a
 * CancelRequest, so the backend does not linger (a commit waiting for a
 * synchronous standby ignores a vanished client and would hold a connection
 * slot until the standby returns: with writers reconnecting every few
 * seconds that exhausts max_connections during exactly the faults we study).
 * The cancel is best effort and never changes the write's recorded outcome,
 * which is already `info` when this runs.
 */
export function abandonClient(client: pg.Client, endpoint: ConnectionInfo, cancel: boolean): void {
  const key = client as unknown as BackendKey;
  if (cancel && key.processID !== null && key.secretKey !== null) {
    sendCancelRequest(endpoint.host, endpoint.port, key.processID, key.secretKey, 1_000);
  }
  // With a statement active, end() destroys the socket instead of waiting.
  client.end().catch(() => undefined);
}

/** Closes an idle client without waiting for the server's goodbye. */
export function closeClient(client: pg.Client): void {
  client.end().catch(() => undefined);
}
