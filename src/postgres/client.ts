/**
 * The one way pgdrill opens a short-lived PostgreSQL connection for a
 * question or a statement (final reads, SQL steps, restores, target
 * housekeeping). Long-lived connections with their own reconnect policy
 * (writers, observers) build their clients themselves but still name
 * themselves with application_name, so pg_stat_activity tells who is who.
 */
import pg from 'pg';

export interface ShortClientOptions {
  /** application_name, e.g. "pgdrill-final-read". */
  application: string;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** When set: the server's statement_timeout, and the client's own query timeout half a second later. */
  statementTimeoutMs?: number;
}

/** Connects; an error on the idle connection later is swallowed (the caller sees it on its next query). */
export async function connectClient(connection: pg.ClientConfig, options: ShortClientOptions): Promise<pg.Client> {
  const client = new pg.Client({
    ...connection,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    application_name: options.application,
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 500 }),
  });
  // Without a listener an error on an idle connection would crash the harness.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withClient<T>(connection: pg.ClientConfig, options: ShortClientOptions, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(connection, options);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
