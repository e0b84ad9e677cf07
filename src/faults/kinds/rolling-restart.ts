import { FaultTargetError } from '../errors.ts';
import { defineFault, type FaultContext } from '../fault.ts';
import { topologyWithPrimary } from '../resolve.ts';
import { demotionSeen, postmasterStartedAt, replicationView } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';
import { isEngineRollingRestart, type EngineRollingRestartPrimitives, type RollingRestartPrimitives } from '../../targets/fault-primitives.ts';

/** How long one member may take to stream again after its restart, or the old primary after the switchover. */
const MEMBER_BACK_MS = 60_000;
/** Switchover attempts while the engine settles which standby is synchronous. */
const SWITCHOVER_ATTEMPTS = 5;

/** What the witness compares with: each target's postmaster start, and (engine-driven form) its incarnation. */
interface Before {
  started: Map<string, string | null>;
  incarnations: Map<string, string | null> | null;
}

/**
 * What an upgrade's restart does to clients: each replica restarted in turn
 * (waiting until it streams again), a planned switchover to the synchronous
 * standby (or a replica), then the former primary restarted as a replica.
 * Targets: [primary, replicas...]. Either pgdrill drives those steps
 * through the engine (Patroni), or the engine runs its own rolling restart
 * (CloudNativePG's operator) and pgdrill asks for it and waits for its
 * report (fault-primitives.ts, RollingRestartForms). Either way it is dated
 * like a switchover, by the old primary's own word that it is going down or
 * in recovery (the outage begins there), and proven when every instance's
 * postmaster started after the inject (and, engine-driven, every instance
 * runs a new incarnation: the former primary's demotion alone does not
 * give it one) and one of the former replicas answers as the primary. The
 * write downtime counts from the inject, so a commit stall while the
 * synchronous standby restarts is in it too.
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
    if (replicas.length === 0) throw new FaultTargetError('no running replica to switch over to', { topology });
    // The synchronous standby last: it is freshly restarted when it takes over, as in an upgrade.
    const ordered = [...replicas.filter((r) => r.role !== 'sync-replica'), ...replicas.filter((r) => r.role === 'sync-replica')];
    return [topology.primary, ...ordered.map((r) => r.name)];
  },
  inject: async (p, targets, context) => (isEngineRollingRestart(p) ? engineDriven(p, targets, context) : stepByStep(p, targets, context)),
  heal: async () => undefined,
  witness: {
    before: async (p, targets, context): Promise<Before> => {
      const started = new Map<string, string | null>();
      for (const name of targets) started.set(name, await postmasterStartedAt(endpointOf(context, name)));
      if (!isEngineRollingRestart(p)) return { started, incarnations: null };
      const incarnations = new Map<string, string | null>();
      for (const name of targets) incarnations.set(name, await p.incarnation(name));
      return { started, incarnations };
    },
    dated: 'by-observation',
    moment: async (_p, [primary], context) => demotionSeen(endpointOf(context, primary!), primary!),
    proof: async (p, targets, context, before) => {
      const [primary, ...replicas] = targets;
      for (const name of targets) {
        const now = await postmasterStartedAt(endpointOf(context, name));
        if (now === null || now === before.started.get(name)) return null;
      }
      let renewed = '';
      if (before.incarnations && isEngineRollingRestart(p)) {
        const now: string[] = [];
        for (const name of targets) {
          const incarnation = await p.incarnation(name);
          if (incarnation === null || incarnation === before.incarnations.get(name)) return null;
          now.push(`${name} ${incarnation}`);
        }
        renewed = `, new incarnations: ${now.join(', ')}`;
      }
      for (const replica of replicas) {
        const view = await replicationView(endpointOf(context, replica), 1_000);
        if (view && !view.inRecovery) {
          return `every instance restarted (${targets.join(', ')}: new postmaster start times${renewed}); ${replica} answers as the primary (was ${primary})`;
        }
      }
      return null;
    },
    healed: async () => 'nothing to undo (a planned restart)',
  },
});

/** pgdrill drives the steps: each replica restarted until it streams again, the switchover, the former primary restarted. */
async function stepByStep(p: RollingRestartPrimitives, [primary, ...replicas]: string[], context: FaultContext): Promise<string> {
  // A step whose member does not stream again stops the procedure there; the witness then finds it unproven.
  const done: string[] = [];
  for (const replica of replicas) {
    await p.restartMember(replica);
    const problem = await streamingAgain(context, replica, primary!);
    if (problem) return `stopped after ${done.join(', ') || 'nothing'}: ${problem}`;
    done.push(`restarted ${replica}`);
  }
  // The engine may have moved the synchronous role while its holder restarted, and may still be moving it:
  // choose the candidate now, and again when the engine refuses it (Patroni: 412, not the sync standby).
  let candidate = '';
  for (let attempt = 1; ; attempt++) {
    candidate = await switchoverCandidate(context, primary!, replicas);
    try {
      await p.switchover(primary!, candidate);
      break;
    } catch (error) {
      if (attempt >= SWITCHOVER_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  const demoted = await streamingAgain(context, primary!, candidate);
  if (demoted) return `stopped after ${done.join(', ')}, switchover ${primary} → ${candidate}: ${demoted}`;
  done.push(`switched over ${primary} → ${candidate}`);
  // The demotion already gave the old primary a new postmaster, so the proof's start times cannot show
  // this last restart: compare with the start time the demotion left.
  const demotedStart = await postmasterStartedAt(endpointOf(context, primary!));
  await p.restartMember(primary!);
  const back = await streamingAgain(context, primary!, candidate);
  const restartedStart = await postmasterStartedAt(endpointOf(context, primary!));
  if (restartedStart === null || restartedStart === demotedStart) {
    throw new FaultTargetError(`rolling restart: the restart of ${primary} after the switchover did not take effect (postmaster start ${demotedStart ?? 'unknown'} unchanged)`);
  }
  done.push(`restarted ${primary}`);
  return back ? `${done.join(', ')}, but ${back}` : done.join(', ');
}

/**
 * The engine runs the procedure and reports it done; pgdrill then waits
 * until the former primary streams from the new one, as after its own
 * steps. Whether it all happened is the witness's to prove (the former
 * primary's restart after its demotion shows as its new incarnation).
 */
async function engineDriven(p: EngineRollingRestartPrimitives, [primary]: string[], context: FaultContext): Promise<string> {
  const account = await p.engineRollingRestart(primary!);
  const topology = await context.target.topology().catch(() => null);
  const now = topology?.primary;
  if (!now || now === primary) return `${account}; the primary is still ${primary}`;
  const back = await streamingAgain(context, primary!, now);
  return back ? `${account}, but ${back}` : account;
}

/** The replica to switch over to: the synchronous standby the engine names now, else the first streaming one. */
async function switchoverCandidate(context: FaultContext, primary: string, replicas: readonly string[]): Promise<string> {
  const topology = await context.target.topology().catch(() => null);
  const listed = topology?.instances.filter((i) => replicas.includes(i.name) && i.name !== primary) ?? [];
  return listed.find((i) => i.role === 'sync-replica')?.name ?? listed.find((i) => i.state === 'streaming' || i.state === 'running')?.name ?? replicas.at(-1)!;
}

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
    // And the engine's own view: Patroni refuses a restart while it still finishes a demotion.
    const topology = await context.target.topology().catch(() => null);
    const listed = topology?.instances.find((i) => i.name === member);
    const settled = topology?.primary === primary && listed !== undefined && listed.role !== 'primary' && (listed.state === 'streaming' || listed.state === 'running');
    if (mine?.inRecovery && mine.receiver === 'streaming' && theirs && !theirs.inRecovery && sent === 'streaming' && settled) return null;
    last = `${member}: ${mine ? `${mine.inRecovery ? 'in recovery' : 'primary'}, receiver ${mine.receiver ?? 'none'}` : 'no answer'}, engine: ${listed ? `${listed.role} ${listed.state}` : 'not listed'}; ${primary}: ${theirs ? `sends ${sent ?? 'nothing'}` : 'no answer'}`;
    await new Promise((r) => setTimeout(r, 250));
  }
  return `${member} did not stream from ${primary} again within ${waitMs / 1000}s (${last})`;
}
