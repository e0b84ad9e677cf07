import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectFailure, statementFailure, statementTimeout, syncRepWarningOf } from './write-outcome.ts';

function serverError(severity: string, code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.severity = severity;
  error.code = code;
  return error;
}

const syncCancel = { code: '01000', message: 'canceling wait for synchronous replication due to user request' };

describe('write outcomes', () => {
  it('calls an ERROR to the statement a certain failure, keeping the SQLSTATE', () => {
    expect(statementFailure(serverError('ERROR', '25006', 'cannot execute INSERT in a read-only transaction'), [])).toEqual({
      outcome: 'fail',
      error: 'cannot execute INSERT in a read-only transaction',
      sqlState: '25006',
    });
  });

  it('calls FATAL, PANIC or an unreadable severity unknown: the commit may have happened', () => {
    for (const severity of ['FATAL', 'PANIC', 'ERREUR']) {
      const verdict = statementFailure(serverError(severity, '57P01', 'terminating connection due to administrator command'), []);
      expect(verdict.outcome).toBe('info');
      expect(verdict.error).toContain('57P01');
    }
  });

  it('calls a broken connection unknown and keeps what the server warned before it broke', () => {
    const verdict = statementFailure(new Error('Connection terminated unexpectedly'), [
      { code: '57P01', message: 'canceling the wait for synchronous replication and terminating connection due to administrator command' },
    ]);
    expect(verdict.outcome).toBe('info');
    expect(verdict.error).toMatch(/Connection terminated unexpectedly; server warned: canceling the wait .* \(SQLSTATE 57P01\)/);
  });

  it('calls a client-side timeout unknown', () => {
    expect(statementTimeout(2500, []).outcome).toBe('info');
  });

  it('calls any connect failure a certain failure: nothing was sent', () => {
    expect(connectFailure(Object.assign(new Error(''), { code: 'ECONNREFUSED' }))).toEqual({ outcome: 'fail', error: 'connect: ECONNREFUSED' });
    expect(connectFailure(serverError('FATAL', '57P03', 'the database system is starting up'))).toMatchObject({ outcome: 'fail', sqlState: '57P03' });
  });

  it('recognises the synchronous replication cancel warning, and only that', () => {
    expect(syncRepWarningOf([syncCancel])).toBe(syncCancel.message);
    expect(syncRepWarningOf([{ code: '01000', message: 'database "pgdrill" must be vacuumed within 1000000 transactions' }])).toBeUndefined();
  });
});
