import type { FaultKind } from '../../history/events.ts';
import type { ExpectedRto } from '../target.ts';
import { HAPROXY_CHECKS } from './config/haproxy-config.ts';
import type { PatroniTimings } from './stack-options.ts';

/** Patroni's leader race, pg_promote and the first checkpoint after it: what the timings leave to chance. */
const PROMOTION_ALLOWANCE_S = 2;
/** PostgreSQL's crash recovery after its processes were killed, on these small databases. */
const RESTART_ALLOWANCE_S = 3;

/**
 * The RTO the local stack's configuration predicts, at most. A primary
 * that stops refreshing its leader key (killed, frozen, cut off, its zone
 * lost) keeps it for up to `ttl`; a replica notices within one `loop_wait`
 * and promotes; HAProxy sends clients to it after one check of the down
 * server (`downinter`) and its `rise` passing checks, each bounded by
 * `timeout check`. A killed postmaster is restarted by Patroni in place
 * within one loop (no failover), and HAProxy marks it down and up again.
 * A planned switchover takes one loop and a promotion. Replica and archive
 * faults predict no failover: null.
 */
export function expectedLocalRto(patroni: PatroniTimings & { askedTtl?: number }, fault: { kind: FaultKind; hitsPrimary: boolean }): ExpectedRto | null {
  const { ttl, loopWait } = patroni;
  const ttlText = patroni.askedTtl === undefined ? `ttl ${ttl}` : `ttl ${ttl} (Patroni's minimum; ${patroni.askedTtl} was asked)`;
  const checks = HAPROXY_CHECKS;
  const haproxyUp = checks.downInterS + checks.rise * checks.timeoutCheckS;
  const haproxyDown = checks.fall * checks.fastInterS;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  switch (fault.kind) {
    case 'primary-kill':
    case 'zone-loss':
    case 'freeze':
    case 'partition':
      if (!fault.hitsPrimary) return null;
      return {
        maxSeconds: round(ttl + loopWait + PROMOTION_ALLOWANCE_S + haproxyUp),
        basis: `${ttlText} + loop_wait ${loopWait} + ${PROMOTION_ALLOWANCE_S} (leader race, promotion) + HAProxy ${haproxyUp} (downinter ${checks.downInterS} + rise ${checks.rise} × timeout check ${checks.timeoutCheckS})`,
      };
    case 'postgres-kill':
      return {
        maxSeconds: round(loopWait + RESTART_ALLOWANCE_S + haproxyDown + haproxyUp),
        basis: `loop_wait ${loopWait} + ${RESTART_ALLOWANCE_S} (crash recovery, restarted in place) + HAProxy down ${haproxyDown} (fall ${checks.fall} × fastinter ${checks.fastInterS}) and up ${haproxyUp}`,
      };
    case 'switchover':
    case 'rolling-restart':
      // A rolling restart's outage is its switchover; the restarts of replicas cost no failover.
      return {
        maxSeconds: round(loopWait + PROMOTION_ALLOWANCE_S + haproxyUp),
        basis: `loop_wait ${loopWait} + ${PROMOTION_ALLOWANCE_S} (demotion, promotion) + HAProxy ${haproxyUp}`,
      };
    case 'replica-kill':
    case 'replica-lag':
    case 'stalled-archive':
    case 'dcs-loss':
      return null;
    default:
      return assertNever(fault.kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected fault kind ${String(value)}`);
}
