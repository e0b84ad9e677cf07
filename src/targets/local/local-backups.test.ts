import { describe, expect, it } from 'vitest';
import { parseVerify } from './local-backups.ts';

// pgBackRest 2.45's verify --output=text --verbose, as it printed on this project's stack (timestamps shortened).
const CLEAN = `2026-12-02 05:28:56.373 P00   INFO: verify command begin 2.45: --output=text --stanza=pgdrill --verbose
2026-12-02 05:28:56.840 P00   INFO: stanza: pgdrill
                                    status: ok
                                      archiveId: 15-1, total WAL checked: 6, total valid WAL: 6
                                        missing: 0, checksum invalid: 0, size invalid: 0, other: 0
                                      backup: 20261202-052850F, status: valid, total files checked: 1268, total valid files: 1268
                                        missing: 0, checksum invalid: 0, size invalid: 0, other: 0
stanza: pgdrill
status: ok
  archiveId: 15-1, total WAL checked: 6, total valid WAL: 6
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261202-052850F, status: valid, total files checked: 1268, total valid files: 1268
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
2026-12-02 05:28:56.841 P00   INFO: verify command end: completed successfully (469ms)
`;

const DAMAGED = `2026-12-02 05:29:08.568 P00   INFO: verify command begin 2.45: --output=text --stanza=pgdrill --verbose
2026-12-02 05:29:08.946 P01   INFO: invalid checksum '20261202-052850F/pg_data/base/5/2602.gz'
2026-12-02 05:29:08.970 P00   INFO: stanza: pgdrill
                                    status: error
                                      archiveId: 15-1, total WAL checked: 6, total valid WAL: 6
                                        missing: 0, checksum invalid: 0, size invalid: 0, other: 0
                                      backup: 20261202-052850F, status: invalid, total files checked: 1268, total valid files: 1267
                                        missing: 0, checksum invalid: 1, size invalid: 0, other: 0
stanza: pgdrill
status: error
  archiveId: 15-1, total WAL checked: 6, total valid WAL: 6
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261202-052850F, status: invalid, total files checked: 1268, total valid files: 1267
    missing: 0, checksum invalid: 1, size invalid: 0, other: 0
2026-12-02 05:29:08.970 P00   INFO: verify command end: completed successfully (405ms)
`;

describe("pgBackRest verify's output", () => {
  it('is clean with no problem', () => {
    expect(parseVerify(CLEAN)).toEqual({ tool: 'pgbackrest verify', errors: 0, problems: [] });
  });

  it('counts a damaged file once (not once per copy of the summary) and names it, though the command exits 0', () => {
    expect(parseVerify(DAMAGED)).toEqual({ tool: 'pgbackrest verify', errors: 1, problems: ["invalid checksum '20261202-052850F/pg_data/base/5/2602.gz'"] });
  });

  it('counts a status other than ok as an error even when no count says so', () => {
    expect(parseVerify('stanza: pgdrill\nstatus: error\n').errors).toBe(1);
  });
});
