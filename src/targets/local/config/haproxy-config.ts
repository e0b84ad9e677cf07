import type { StackLayout } from '../stack-layout.ts';

/**
 * HAProxy follows the leader: Patroni's REST API answers 200 on /primary only
 * on the leader; sessions to a server marked down are cut, so no client keeps
 * writing to a deposed primary through the client endpoint.
 */
export function haproxyConfig(layout: StackLayout): string {
  const servers = layout.postgres.map((n) => `  server ${n.name} ${n.ip}:5432 check port 8008`);
  return [
    'global',
    '  maxconn 512',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout check 1s',
    'listen primary',
    '  bind *:5432',
    '  option httpchk',
    '  http-check send meth GET uri /primary',
    '  http-check expect status 200',
    '  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    ...servers,
    '',
  ].join('\n');
}
