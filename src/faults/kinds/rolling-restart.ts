import { FaultTargetError } from '../errors.ts';
import { defineFault, type FaultContext } from '../fault.ts';
import { topologyWithPrimary } from '../resolve.ts';
import { postmasterStartedAt, replicationView, serverRole } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/** How long one member may take to stream again after its restart, or the old primary after the switchover. */
const MEMBER_BACK_MS = 60_000;

/**
 * What an upgrade's restart does to clients: each replica restarted in turn
 * (waiting until it streams again), a planned switchover to the synchronous
 * standby (or a replica), then the former primary restarted as a replica.
 * Targets: [primary, candidate, other replicas...]. Dated like a switchover,
 * by the old primary's own word that it is going down or in recovery (the
 * outage begins there); proven when every instance's postmaster started
 * after the inject and the candidate answers as the primary. The write
 * downtime counts from the inject, so a commit stall while the synchronous
 * standby restarts is in it too.
 */
export const rollingRestart = defineFault({
  kind: 'rolling-restart',
  primitives: 'rollingRestart',
  describe: 'rolling restart: replicas one by one, a switchover, then the former primary',
  targets: ['primary'],
  bounds: { moment: 240_000, proof: 60_000 },
  resolveTargets: async ({ target }) => {
    const topology = await topologyWithPrimary(target);
    const replicas = topology.instances.filter((i) => i.name !== topology.primary && (i.state === 'running' || i.state === 'streaming'));
    const candidate = replicas.find((i) => i.role === 'sync-replica') ?? replicas.find((i) => i.role === 'replica');
    if (!candidate) throw new FaultTargetError('no running replica to switch over to', { topology });
    return [topology.primary, candidate.name, ...replicas.filter((r) => r.name !== candidate.name).map((r) => r.name)];
  },
  inject: async (p, [primary, candidate, ...others], context) => {
    // The candidate last among the replicas: it is freshly restarted when it takes over, as in an upgrade.
    // A step whose member does not stream again stops the procedure there; the witness then finds it unproven.
    const done: string[] = [];
    for (const replica of [...others, candidate!]) {
      await p.restartMember(replica);
      const problem = await streamingAgain(context, replica, primary!);
      if (problem) return `stopped after ${done.join(', ') || 'nothing'}: ${problem}`;
      done.push(`restarted ${replica}`);
    }
    await p.switchover(primary!, candidate!);
    const demoted = await streamingAgain(context, primary!, candidate!);
    if (demoted) return `stopped after ${done.join(', ')}, switchover ${primary} → ${candidate}: ${demoted}`;
    done.push(`switched over ${primary} → ${candidate}`);
    await p.restartMember(primary!);
    const back = await streamingAgain(context, primary!, candidate!);
    done.push(`restarted ${primary}`);
    return back ? `${done.join(', ')}, but ${back}` : done.join(', ');
  },
  heal: async () => undefined,
  witness: {
    before: async (_p, targets, context) => {
      const started = new Map<string, string | null>();
      for (const name of targets) started.set(name, await postmasterStartedAt(endpointOf(context, name)));
      return started;
    },
    dated: 'by-observation',
    moment: async (_p, [primary], context) => {
      const seen = await serverRole(endpointOf(context, primary!), 500);
      if (seen.role === 'in-recovery') return `${primary} is in recovery`;
      return seen.role === 'refused' ? `${primary} refuses connections (${seen.error})` : null;
    },
    proof: async (_p, targets, context, before) => {
      const [primary, candidate] = targets;
      for (const name of targets) {
        const now = await postmasterStartedAt(endpointOf(context, name));
        if (now === null || now === before.get(name)) return null;
      }
      const view = await replicationView(endpointOf(context, candidate!), 1_000);
      if (!view || view.inRecovery) return null;
      return `every instance restarted (${targets.join(', ')}: new postmaster start times); ${candidate} answers as the primary (was ${primary})`;
    },
    healed: async () => 'nothing to undo (a planned restart)',
  },
});

/**
 * Waits until `member` streams from `primary` again, as both servers say;
 * returns what was seen last when it does not within MEMBER_BACK_MS (or the
 * run's proof bound, which tests shorten), null once it does.
 */
async function streamingAgain(context: FaultContext, member: string, primary: string): Promise<string | null> {
  const waitMs = context.bounds?.proof ?? MEMBER_BACK_MS;
  const deadline = performance.now() + waitMs;
  let last = 'not seen yet';
  while (performance.now() < deadline) {
    context.signal?.throwIfAborted();
    const [mine, theirs] = await Promise.all([replicationView(endpointOf(context, member)), replicationView(endpointOf(context, primary))]);
    const sent = theirs?.standbys.find((s) => s.name === member)?.state ?? null;
    if (mine?.inRecovery && mine.receiver === 'streaming' && theirs && !theirs.inRecovery && sent === 'streaming') return null;
    last = `${member}: ${mine ? `${mine.inRecovery ? 'in recovery' : 'primary'}, receiver ${mine.receiver ?? 'none'}` : 'no answer'}; ${primary}: ${theirs ? `sends ${sent ?? 'nothing'}` : 'no answer'}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  return `${member} did not stream from ${primary} again within ${waitMs / 1000}s (${last})`;
}
