/**
 * What a write's result means for the ledger. The rule that matters: `fail`
 * is a promise that the row is not there, so it is only used when the server
 * said ERROR to the statement or the statement was never sent. Everything
 * else that is not a clean success is `info` (unknown).
 */
import pg from 'pg';

export type WriteVerdict =
  | { outcome: 'fail'; error: string; sqlState?: string }
  | { outcome: 'info'; error: string };

/** Warnings the server sent while the statement was in flight. */
export interface ServerWarning {
  code: string | undefined;
  message: string;
}

/** The connection could not be made: nothing was sent, so nothing applied. */
export function connectFailure(error: unknown): WriteVerdict {
  if (error instanceof pg.DatabaseError) {
    return withSqlState({ outcome: 'fail', error: `connect: ${error.message}` }, error.code);
  }
  return { outcome: 'fail', error: `connect: ${messageOf(error)}` };
}

/** The INSERT was sent and its promise rejected. */
export function statementFailure(error: unknown, warnings: readonly ServerWarning[]): WriteVerdict {
  if (error instanceof pg.DatabaseError && error.severity === 'ERROR') {
    // ERROR aborts the transaction before commit: certainly not applied.
    return withSqlState({ outcome: 'fail', error: error.message }, error.code);
  }
  if (error instanceof pg.DatabaseError) {
    // FATAL / PANIC (or a severity we cannot read, e.g. localized): the
    // session ended around the commit, e.g. 57P01 during a synchronous wait
    // after the commit record was already written locally.
    const code = error.code ? ` (SQLSTATE ${error.code})` : '';
    return { outcome: 'info', error: `${error.severity ?? 'error'}: ${error.message}${code}${describe(warnings)}` };
  }
  return { outcome: 'info', error: `${messageOf(error)}${describe(warnings)}` };
}

/** The client-side timeout fired first: the statement may still commit. */
export function statementTimeout(timeoutMs: number, warnings: readonly ServerWarning[]): WriteVerdict {
  return { outcome: 'info', error: `no answer within ${timeoutMs} ms (client-side timeout, connection closed)${describe(warnings)}` };
}

/**
 * The WARNING PostgreSQL sends when a commit's wait for a synchronous standby
 * is cancelled: the commit is then reported as successful though it may exist
 * only on this instance.
 */
export function syncRepWarningOf(warnings: readonly ServerWarning[]): string | undefined {
  return warnings.find((w) => /synchronous replication/i.test(w.message))?.message;
}

function describe(warnings: readonly ServerWarning[]): string {
  if (warnings.length === 0) return '';
  return `; server warned: ${warnings.map((w) => (w.code ? `${w.message} (SQLSTATE ${w.code})` : w.message)).join('; ')}`;
}

function withSqlState(verdict: { outcome: 'fail'; error: string }, code: string | undefined): WriteVerdict {
  return code === undefined ? verdict : { ...verdict, sqlState: code };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return error.message || code || error.name;
  }
  return String(error);
}
