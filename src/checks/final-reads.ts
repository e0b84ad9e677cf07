import type { RestoreRead } from './restore.ts';
import type { RestoreTestObservation } from './restore-test.ts';

/**
 * What the harness read back from the stack after it settled. Keys are
 * streamed, never required as one array: a PITR check reads a million rows,
 * and a database cursor can back `keys()` as well as a Set can.
 */
export interface KeySource {
  /** Every row key present, each once; may be called more than once (each call starts over). */
  keys(): Iterable<string> | AsyncIterable<string>;
}

export type InstanceRows =
  | { instance: string; keys: KeySource }
  /** The instance could not be read: the checks that need it report unmeasured with this reason. */
  | { instance: string; error: string };

export interface FinalReads {
  /** The instance that was primary once the stack settled; null when there was none. */
  primary: string | null;
  /** Rows of each instance, read directly (include the primary). */
  instances: readonly InstanceRows[];
  /** WAL file names in the backup repository, when the target has one. */
  archive?: { files: readonly string[] } | { error: string };
  /** Each restore made during the run, compared with the ledger (or why it failed). */
  restores?: ReadonlyArray<RestoreRead | { name: string; error: string }>;
  /** The backup repository's listing after the drill. */
  backups?: ReadonlyArray<{ id: string; type: string; startedAt: string; finishedAt: string }>;
  /** The repository's own integrity check after a PITR drill (or why it could not run). */
  verification?: { tool: string; errors: number; problems: readonly string[] } | { error: string };
  /** A restore test of an existing repository (`pgdrill restore-test`): what the scratch instance showed. */
  restoreTest?: RestoreTestObservation;
}

/** The primary's rows, or why they are not available. */
export function primaryRows(reads: FinalReads | null): { instance: string; keys: KeySource } | { error: string } {
  if (!reads) return { error: 'no final read was made' };
  if (reads.primary === null) return { error: 'no primary after the stack settled' };
  const row = reads.instances.find((r) => r.instance === reads.primary);
  if (!row) return { error: `the primary ${reads.primary} was not read` };
  if ('error' in row) return { error: `reading the primary ${row.instance} failed: ${row.error}` };
  return row;
}

export async function* streamKeys(source: KeySource): AsyncGenerator<string> {
  for await (const key of source.keys()) yield key;
}
