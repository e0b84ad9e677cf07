import type { TeardownStack } from '../lifecycle/teardown-stack.ts';
import type { RecoveryTarget, RestoredCluster } from './target.ts';

/**
 * An existing backup repository a restore test reads from, and nothing
 * more: implementations may only restore and fetch WAL from it (never push
 * WAL, take or expire backups, or touch the source's instances), and the
 * scratch they restore into archives nothing.
 */
export interface RestoreSource {
  /** One line naming the repository, safe to print (no secret). */
  readonly description: string;
  /** Versions of what restores (image, pgBackRest), for the report's audit section. */
  versions(): Promise<Record<string, string>>;
  /** Restores into a scratch instance; its removal is registered on `teardowns` before it is created. */
  restore(target: RecoveryTarget, name: string, teardowns: TeardownStack): Promise<ScratchRestore>;
}

/** The scratch instance of a restore test, queried as its superuser over its own socket. */
export interface ScratchRestore {
  reached: RestoredCluster['reached'];
  /** Rows of a query, each as its fields; throws with the server's message when it fails. */
  query(database: string, sql: string): Promise<string[][]>;
  /** pg_amcheck over every database: its exit code and the lines it printed. */
  amcheck(): Promise<{ exitCode: number | null; lines: string[] }>;
}
