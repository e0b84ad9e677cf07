import { DATA_DIR, STANZA, TLS_CLIENT, TLS_DIR, type StackLayout, type StackMember } from '../stack-layout.ts';

/**
 * pgBackRest configuration. The repository host and every database node run
 * `pgbackrest server` (TLS, since 2.37); one client certificate, authorised
 * for the stanza, is used by every side to reach the others.
 */
function serverSection(certName: string): string[] {
  return [
    'tls-server-address=*',
    `tls-server-ca-file=${TLS_DIR}/ca.crt`,
    `tls-server-cert-file=${TLS_DIR}/${certName}.crt`,
    `tls-server-key-file=${TLS_DIR}/${certName}.key`,
    `tls-server-auth=${TLS_CLIENT}=${STANZA}`,
    'log-level-console=info',
    'log-level-stderr=off',
    'log-level-file=off',
  ];
}

function clientCert(prefix: string): string[] {
  return [
    `${prefix}-host-type=tls`,
    `${prefix}-host-ca-file=${TLS_DIR}/ca.crt`,
    `${prefix}-host-cert-file=${TLS_DIR}/${TLS_CLIENT}.crt`,
    `${prefix}-host-key-file=${TLS_DIR}/${TLS_CLIENT}.key`,
  ];
}

/**
 * pgBackRest refuses archive_mode = always unless told not to check it (its
 * concern: a standby's copy of a segment may differ from the primary's in
 * the unused tail, and a second, different copy is refused). With the check
 * off, a duplicate that differs shows as a failing archive_command on that
 * standby, which the archive sampler records: the drill measures it.
 */
function archiveModeCheck(archive: 'on' | 'always'): string[] {
  return archive === 'always' ? ['archive-mode-check=n'] : [];
}

export function repoHostConfig(layout: StackLayout, archive: 'on' | 'always' = 'on'): string {
  const lines = [
    '[global]',
    'repo1-path=/var/lib/pgbackrest',
    'repo1-retention-full=2',
    'start-fast=y',
    'archive-timeout=30',
    ...archiveModeCheck(archive),
    ...serverSection(layout.repo.name),
    '',
    `[${STANZA}]`,
  ];
  layout.postgres.forEach((node, i) => {
    const prefix = `pg${i + 1}`;
    lines.push(`${prefix}-host=${node.name}`, ...clientCert(prefix), `${prefix}-path=${DATA_DIR}`, `${prefix}-socket-path=/var/run/postgresql`);
  });
  return lines.join('\n') + '\n';
}

export function databaseNodeConfig(layout: StackLayout, node: StackMember, archive: 'on' | 'always' = 'on'): string {
  return [
    '[global]',
    `repo1-host=${layout.repo.name}`,
    ...clientCert('repo1'),
    'archive-timeout=30',
    ...archiveModeCheck(archive),
    // pgBackRest retries a refused connection until io-timeout (60 s by default): an
    // unreachable repository must make archive-push fail soon, so the archiver reports it.
    'io-timeout=5',
    ...serverSection(node.name),
    '',
    // archive-push tries the repository twice: at 5 s each a refused push took 10.6 s to
    // fail, half a stall's proof window once the archiver's own wait comes on top.
    '[global:archive-push]',
    'io-timeout=3',
    '',
    `[${STANZA}]`,
    `pg1-path=${DATA_DIR}`,
    'pg1-socket-path=/var/run/postgresql',
    '',
  ].join('\n');
}
