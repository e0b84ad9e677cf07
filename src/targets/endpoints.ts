/**
 * How the parts above a target reach the database. Passwords live only in
 * these objects (in memory) and in the run's 0600 passfile: never print,
 * log or report a ConnectionInfo as a whole; use `describeEndpoint`.
 */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** One database instance, reachable directly (not through the client endpoint). */
export interface InstanceEndpoint {
  /** Instance name as the engine knows it (pg-a, pg-b, ... on the local target). */
  name: string;
  zone: string;
  connection: ConnectionInfo;
}

/** A connection string without the password, safe to print and to put in reports. */
export function describeEndpoint(c: Omit<ConnectionInfo, 'password'>): string {
  return `postgresql://${encodeURIComponent(c.user)}@${c.host}:${c.port}/${encodeURIComponent(c.database)}`;
}
