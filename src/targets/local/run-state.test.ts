import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgdrillError } from '../../errors.ts';
import { readRunRecord, recordedRunIds, removeRunFiles } from './run-state.ts';

// The state root holds every run's pgpass and run.json; a run id that is not
// one run's own folder must never reach rmSync.
describe('run state files', () => {
  let parent: string;
  let root: string;
  const saved = process.env.PGDRILL_STATE_DIR;

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'pgdrill-state-'));
    root = join(parent, 'pgdrill');
    process.env.PGDRILL_STATE_DIR = root;
    for (const id of ['run-one', 'run-two']) {
      mkdirSync(join(root, id), { recursive: true });
      writeFileSync(join(root, id, 'run.json'), '{}');
      writeFileSync(join(root, id, 'pgpass'), 'secret');
    }
    writeFileSync(join(parent, 'keep-me'), 'a neighbour of the state root');
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PGDRILL_STATE_DIR;
    else process.env.PGDRILL_STATE_DIR = saved;
  });

  it.each([['..'], [''], ['.'], ['../pgdrill'], ['run-one/..'], ['/etc']])('removeRunFiles(%j) refuses and removes nothing', (runId) => {
    expect(() => removeRunFiles(runId)).toThrow(PgdrillError);
    expect(existsSync(join(parent, 'keep-me'))).toBe(true);
    expect(existsSync(join(root, 'run-one', 'pgpass'))).toBe(true);
    expect(existsSync(join(root, 'run-two', 'pgpass'))).toBe(true);
  });

  it('removeRunFiles removes exactly one run folder and leaves the others', () => {
    removeRunFiles('run-one');
    expect(existsSync(join(root, 'run-one'))).toBe(false);
    expect(existsSync(join(root, 'run-two', 'pgpass'))).toBe(true);
    expect(existsSync(root)).toBe(true);
  });

  it('removeRunFiles of a run that has no folder is a no-op', () => {
    expect(() => removeRunFiles('run-three')).not.toThrow();
    expect(recordedRunIds()).toEqual(['run-one', 'run-two']);
  });

  it('removeRunFiles refuses a run id that names a file, not a folder', () => {
    writeFileSync(join(root, 'not-a-run'), 'x');
    expect(() => removeRunFiles('not-a-run')).toThrow(/not a run folder/);
    expect(existsSync(join(root, 'not-a-run'))).toBe(true);
  });

  it('readRunRecord of a corrupt run.json names the file and what is wrong with it', () => {
    writeFileSync(join(root, 'run-one', 'run.json'), '{"runId": "run-one", "instances": [');
    expect(() => readRunRecord('run-one')).toThrow(
      new RegExp(`${join(root, 'run-one', 'run.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON`),
    );
  });

  it('readRunRecord of a run.json without the fields status needs says which are missing', () => {
    writeFileSync(join(root, 'run-one', 'run.json'), '{"runId": "run-one"}');
    expect(() => readRunRecord('run-one')).toThrow(/run\.json .*missing or wrong: .*instances/);
  });

  it('readRunRecord refuses an invalid run id before looking at any path', () => {
    expect(() => readRunRecord('..')).toThrow(/run id "\.\." is invalid/);
  });
});
