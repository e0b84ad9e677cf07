import type { StackLayout } from '../stack-layout.ts';

/**
 * HAProxy follows the leader: Patroni's REST API answers 200 on /primary only
 * on the leader; sessions to a server marked down are cut, so no client keeps
 * writing to a deposed primary through the client endpoint.
 */
/** HAProxy's health checks of the instances, in seconds: the expected RTO is derived from them. */
export const HAPROXY_CHECKS = { interS: 0.5, fastInterS: 0.25, downInterS: 0.5, fall: 2, rise: 1, timeoutCheckS: 1 } as const;

export function haproxyConfig(layout: StackLayout): string {
  const c = HAPROXY_CHECKS;
  const servers = layout.postgres.map((n) => `  server ${n.name} ${n.ip}:5432 check port 8008`);
  return [
    'global',
    '  maxconn 512',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 1h',
    '  timeout server 1h',
    `  timeout check ${c.timeoutCheckS}s`,
    'listen primary',
    '  bind *:5432',
    '  option httpchk',
    '  http-check send meth GET uri /primary',
    '  http-check expect status 200',
    `  default-server inter ${c.interS * 1000}ms fastinter ${c.fastInterS * 1000}ms downinter ${c.downInterS * 1000}ms fall ${c.fall} rise ${c.rise} on-marked-down shutdown-sessions`,
    ...servers,
    '',
  ].join('\n');
}
