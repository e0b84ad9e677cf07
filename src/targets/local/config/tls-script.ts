import { TLS_CLIENT, TLS_DIR, type StackLayout } from '../stack-layout.ts';

/**
 * A shell script, run once in a short-lived container, that makes the run's
 * own CA and certificates (server certificates named for the hosts
 * pgBackRest connects to, one client certificate) in the TLS volume.
 * The CA key never leaves that container.
 */
export function tlsScript(layout: StackLayout): string {
  const hosts = [layout.repo.name, ...layout.postgres.map((n) => n.name), TLS_CLIENT];
  return [
    'set -eu',
    `cd ${TLS_DIR}`,
    'umask 077',
    'ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"',
    'openssl req -x509 $ec -days 30 -subj /CN=pgdrill-run-ca -keyout /tmp/ca.key -out ca.crt 2>/dev/null',
    `for h in ${hosts.join(' ')}; do`,
    '  openssl req $ec -subj "/CN=$h" -keyout "$h.key" -out "/tmp/$h.csr" 2>/dev/null',
    '  printf "subjectAltName=DNS:%s\\n" "$h" > "/tmp/$h.ext"',
    '  openssl x509 -req -in "/tmp/$h.csr" -CA ca.crt -CAkey /tmp/ca.key -CAcreateserial -days 30 -extfile "/tmp/$h.ext" -out "$h.crt" 2>/dev/null',
    'done',
    'chown postgres:postgres *',
    'chmod 600 *.key',
    'chmod 644 *.crt',
  ].join('\n');
}
