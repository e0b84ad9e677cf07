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

export function repoHostConfig(layout: StackLayout): string {
  const lines = [
    '[global]',
    'repo1-path=/var/lib/pgbackrest',
    'repo1-retention-full=2',
    'start-fast=y',
    'archive-timeout=30',
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

export function databaseNodeConfig(layout: StackLayout, node: StackMember): string {
  return [
    '[global]',
    `repo1-host=${layout.repo.name}`,
    ...clientCert('repo1'),
    'archive-timeout=30',
    // pgBackRest retries a refused connection until io-timeout (60 s by default): an
    // unreachable repository must make archive-push fail soon, so the archiver reports it.
    'io-timeout=5',
    ...serverSection(node.name),
    '',
    `[${STANZA}]`,
    `pg1-path=${DATA_DIR}`,
    'pg1-socket-path=/var/run/postgresql',
    '',
  ].join('\n');
}
