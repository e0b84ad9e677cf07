/**
 * The fault primitives a target performs on its own stack, in groups. A
 * target implements the groups it can (methods on its primitives object);
 * what it can do follows from that, and a fault composed of a group it
 * lacks makes the scenario skipped (see src/faults/catalogue.ts). Every
 * undo is safe to call when its primitive failed half-way, or twice.
 *
 * Where only the target can see a fault take effect (a container stopped, a
 * pod replaced, a cut seen from inside the stack), its group has the
 * observation too, so no target can offer a fault without its witness
 * (src/faults/witness/). Observations answer with a line of evidence, or
 * null while there is none; they never throw for "not yet".
 */

/** A line of evidence, or null while there is none. */
export type Evidence = string | null;

/** SIGKILL of a whole instance (container or pod): its address stops answering. */
export interface InstanceKillPrimitives {
  killInstance(name: string): Promise<void>;
  /** Start an instance killed by killInstance again (it rejoins as the engine decides). */
  startInstance(name: string): Promise<void>;
  /**
   * Which incarnation of the instance runs now (a container's start time, a
   * pod's UID), or null when none runs: a kill shows as a change. Cheap
   * enough to ask every few tens of milliseconds.
   */
  incarnation(name: string): Promise<string | null>;
}

/** SIGKILL of every PostgreSQL process of the instance; the engine restarts PostgreSQL. */
export interface PostgresKillPrimitives {
  killPostgres(name: string): Promise<void>;
}

/** A planned switchover performed by the engine, from the current primary to `candidate`. */
export interface SwitchoverPrimitives {
  switchover(primary: string, candidate: string): Promise<void>;
}

/** Every process of the instance frozen (SIGSTOP / docker pause); its connections stay open. */
export interface FreezePrimitives {
  freezeInstance(name: string): Promise<void>;
  thawInstance(name: string): Promise<void>;
  /** Evidence that the instance's processes are frozen (the container or node paused). */
  frozen(name: string): Promise<Evidence>;
}

/** Every member of a zone stopped at once (database instance, consensus member, node). */
export interface ZoneStopPrimitives {
  stopZone(zone: string): Promise<void>;
  startZone(zone: string): Promise<void>;
  /** Evidence that every member of the zone is stopped (its containers or nodes not running). */
  zoneStopped(zone: string): Promise<Evidence>;
}

/** Network partitions. Clients that connect to a cut-off instance directly still reach it. */
export interface PartitionPrimitives {
  /** Instances cut off from every other instance, and from the consensus store when `fromDcs`. */
  isolateInstances(names: string[], options: { fromDcs: boolean }): Promise<void>;
  rejoinInstances(names: string[]): Promise<void>;
  /** Every member of a zone cut off from the other zones (symmetric halves). */
  isolateZone(zone: string): Promise<void>;
  rejoinZone(zone: string): Promise<void>;
  /**
   * Seen from inside the stack, across the cut: evidence that a *new*
   * connection from a peer to the isolated side fails, and that the
   * consensus store's members across the cut do not answer (where the
   * isolation includes them); null when something still gets through.
   */
  cutEvidence(side: PartitionSide): Promise<Evidence>;
  /** Evidence that a new connection across the former cut succeeds again (the heal's witness). */
  rejoinedEvidence(side: PartitionSide): Promise<Evidence>;
}

/** One side of a partition: instances cut off from every peer, or a zone cut off from the others. */
export type PartitionSide = { instances: string[] } | { zone: string };

/** The backup repository made unreachable from every database instance (WAL archiving fails). */
export interface ArchiveStallPrimitives {
  stallArchive(): Promise<void>;
  resumeArchive(): Promise<void>;
}

/** The consensus store's own members (etcd on local), stopped and started. */
export interface DcsPrimitives {
  dcsMembers(): string[];
  stopDcsMembers(names: string[]): Promise<void>;
  startDcsMembers(names: string[]): Promise<void>;
  /** Whether the member answers a health request (from inside the stack). */
  dcsMemberAnswers(name: string): Promise<boolean>;
}

/** A degraded network link (delay and loss with netem, or a rate limit where the kernel has no netem). */
export interface LinkPrimitives {
  /** Returns how the link was degraded; throws PrimitiveUnsupportedError when the machine can do neither. */
  degradeLink(name: string): Promise<string>;
  restoreLink(name: string): Promise<void>;
}

/**
 * A rolling restart, in one of two forms (a target implements either):
 * - step by step (RollingRestartPrimitives): pgdrill drives the
 *   procedure through the engine's own member restart and its switchover
 *   (Patroni's REST API);
 * - engine-driven (EngineRollingRestartPrimitives): the engine runs its own
 *   rolling restart and pgdrill only asks for it (CloudNativePG's operator,
 *   as `kubectl cnpg restart <cluster>` does).
 * The witness is the same for both (src/faults/kinds/rolling-restart.ts).
 */
export type RollingRestartForms = RollingRestartPrimitives | EngineRollingRestartPrimitives;

/**
 * Restarting one member's PostgreSQL in place through the HA engine (it
 * returns once the engine says it runs again), and the engine's planned
 * switchover.
 */
export interface RollingRestartPrimitives extends SwitchoverPrimitives {
  restartMember(name: string): Promise<void>;
}

export interface EngineRollingRestartPrimitives {
  /**
   * Asks the engine for its rolling restart of every instance (replicas,
   * then the primary's role handed to a replica, then the former primary),
   * with `primary` the primary it has now. Resolves once the engine reports
   * the procedure done, with its account of what it did in which order; or,
   * when the engine does not begin or finish within the target's bound,
   * with what was seen last: "not done" never throws, the witness then
   * finds the fault unproven.
   */
  engineRollingRestart(primary: string): Promise<string>;
  /**
   * Which incarnation of the instance runs now, or null when none runs (as
   * in InstanceKillPrimitives). Each restart of the engine's rolling
   * restart shows as a change (a recreated pod: a new UID), a demotion
   * alone does not: that is how the former primary's own restart after its
   * demotion is told apart from the demotion.
   */
  incarnation(name: string): Promise<string | null>;
}

/** Which form of the rolling restart these primitives are: the engine's own procedure when the target offers it. */
export function isEngineRollingRestart(primitives: RollingRestartForms): primitives is EngineRollingRestartPrimitives {
  return typeof (primitives as Partial<EngineRollingRestartPrimitives>).engineRollingRestart === 'function';
}

export interface PrimitiveGroups {
  instanceKill: InstanceKillPrimitives;
  postgresKill: PostgresKillPrimitives;
  switchover: SwitchoverPrimitives;
  freeze: FreezePrimitives;
  zoneStop: ZoneStopPrimitives;
  partition: PartitionPrimitives;
  archiveStall: ArchiveStallPrimitives;
  dcs: DcsPrimitives;
  link: LinkPrimitives;
  rollingRestart: RollingRestartForms;
}

export type PrimitiveGroup = keyof PrimitiveGroups;

/** One method list per form of a group (a union of shapes has one form per member). */
type GroupForms<T> = readonly (T extends unknown ? readonly (keyof T)[] : never)[];

/**
 * The methods that make up each group, per form: a target implements a
 * group when it has every method of one of its forms. Most groups have one
 * form; rollingRestart has the step-by-step and the engine-driven one.
 */
export const GROUP_FORMS: { readonly [G in PrimitiveGroup]: GroupForms<PrimitiveGroups[G]> } = {
  instanceKill: [['killInstance', 'startInstance', 'incarnation']],
  postgresKill: [['killPostgres']],
  switchover: [['switchover']],
  freeze: [['freezeInstance', 'thawInstance', 'frozen']],
  zoneStop: [['stopZone', 'startZone', 'zoneStopped']],
  partition: [['isolateInstances', 'rejoinInstances', 'isolateZone', 'rejoinZone', 'cutEvidence', 'rejoinedEvidence']],
  archiveStall: [['stallArchive', 'resumeArchive']],
  dcs: [['dcsMembers', 'stopDcsMembers', 'startDcsMembers', 'dcsMemberAnswers']],
  link: [['degradeLink', 'restoreLink']],
  rollingRestart: [
    ['restartMember', 'switchover'],
    ['engineRollingRestart', 'incarnation'],
  ],
};

/** Every method any form of the group may use (what a wrapper binds to pass the group on). */
export function groupMethods(group: PrimitiveGroup): string[] {
  return [...new Set((GROUP_FORMS[group] as readonly (readonly string[])[]).flat())];
}

export const PRIMITIVE_GROUPS = Object.keys(GROUP_FORMS) as readonly PrimitiveGroup[];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every primitive of every group, each optional: a target's `faults` has the ones it implements. */
export type FaultPrimitives = Partial<UnionToIntersection<PrimitiveGroups[PrimitiveGroup]>>;

/**
 * The groups an object implements, read off its methods: works on an
 * instance and on a class prototype alike, so a driver knows its target's
 * capabilities before the stack exists.
 */
export function implementedGroups(primitives: object): ReadonlySet<PrimitiveGroup> {
  const has = (method: PropertyKey): boolean => typeof (primitives as Record<PropertyKey, unknown>)[method] === 'function';
  return new Set(PRIMITIVE_GROUPS.filter((g) => (GROUP_FORMS[g] as readonly (readonly PropertyKey[])[]).some((form) => form.every(has))));
}

/** One group of a target's primitives, or undefined when the target does not implement all of it. */
export function primitiveGroup<G extends PrimitiveGroup>(primitives: FaultPrimitives, group: G): PrimitiveGroups[G] | undefined {
  return implementedGroups(primitives).has(group) ? (primitives as unknown as PrimitiveGroups[G]) : undefined;
}
