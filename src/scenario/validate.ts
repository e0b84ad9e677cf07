import { METRICS } from '../checks/metric-catalogue.ts';
import { UsageError } from '../errors.ts';
import { DURATION_EXPECTED, parseDuration } from './duration.ts';
import { ScenarioError } from './errors.ts';
import { didYouMean } from './suggest.ts';
import { parseThreshold, type Threshold } from './thresholds.ts';
import {
  ADJUSTABLE_TARGETS,
  ARCHIVE_MODES,
  DCS_PLACEMENTS,
  ETCD_APIS,
  RESTORE_SHAPES,
  SCENARIO_FAULT_KINDS,
  TARGETS_BY_FAULT,
  STACK_GENERATIONS,
  SYNCHRONOUS_MODES,
  type ClusterSpec,
  type FaultTarget,
  type PatroniTimings,
  type RestoredDrill,
  type RestoreShape,
  type RestoreTo,
  type Scenario,
  type Step,
  type WorkloadInput,
} from './types.ts';

export const DEFAULT_ZONES: readonly string[] = ['a', 'b', 'c'];

const STEP_KINDS = ['wait', 'inject', 'heal', 'mark', 'waitHealthy', 'backup', 'sql', 'restore'] as const;
type StepKey = (typeof STEP_KINDS)[number];

/**
 * Validates a scenario file's default export, strictly: an unknown field is
 * an error (a misspelt `thresholds` must not silently drop every gate).
 * Throws a ScenarioError naming the file, the field path and what was expected.
 */
export function validateScenario(value: unknown, file: string): Scenario {
  return new ScenarioValidator(file).scenario(value);
}

class ScenarioValidator {
  constructor(private readonly file: string) {}

  scenario(value: unknown): Scenario {
    const root = this.object('', value, ['name', 'description', 'cluster', 'workload', 'steps', 'thresholds', 'byTarget'], ['name', 'description', 'cluster', 'workload', 'steps', 'thresholds']);
    const name = this.string('name', root.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase words joined by dashes, e.g. "primary-kill"');
    const description = this.string('description', root.description, /\S/, 'a one-line description');
    const cluster = this.cluster(root.cluster);
    const workload = this.workload(root.workload);
    const steps = this.steps(root.steps, cluster.zones);
    const thresholds = this.thresholds(root.thresholds, steps);
    const scenario: Scenario = { name, description, cluster, workload, steps, thresholds };
    if (root.byTarget !== undefined) scenario.byTarget = this.thresholdsByTarget(root.byTarget, steps);
    return scenario;
  }

  private thresholdsByTarget(value: unknown, steps: readonly Step[]): NonNullable<Scenario['byTarget']> {
    const byTarget = this.object('byTarget', value, ADJUSTABLE_TARGETS, []);
    const resolved: NonNullable<Scenario['byTarget']> = {};
    for (const target of ADJUSTABLE_TARGETS) {
      if (byTarget[target] === undefined) continue;
      const entry = this.object(`byTarget.${target}`, byTarget[target], ['thresholds'], ['thresholds']);
      resolved[target] = { thresholds: this.thresholds(entry.thresholds, steps, `byTarget.${target}.thresholds`) };
    }
    return resolved;
  }

  private cluster(value: unknown): ClusterSpec {
    const c = this.object('cluster', value, ['zones', 'synchronous', 'patroni', 'dcs', 'failsafe', 'etcdApi', 'archive', 'stack'], ['synchronous']);
    const zones = c.zones === undefined ? [...DEFAULT_ZONES] : this.zones(c.zones);
    const synchronous = this.oneOf('cluster.synchronous', c.synchronous, SYNCHRONOUS_MODES);
    if (synchronous === 'strict' && zones.length < 2) {
      this.fail('cluster.synchronous', `'strict' needs at least 2 zones (a synchronous standby), got ${zones.length}; with one zone no write could ever commit`);
    }
    const dcs = c.dcs === undefined ? 'per-zone' : this.oneOf('cluster.dcs', c.dcs, DCS_PLACEMENTS, 'DCS placement');
    if (c.failsafe !== undefined && typeof c.failsafe !== 'boolean') this.fail('cluster.failsafe', `expected true or false, got ${describe(c.failsafe)}`);
    const etcdApi = c.etcdApi === undefined ? 'v2' : this.oneOf('cluster.etcdApi', c.etcdApi, ETCD_APIS, 'etcd API');
    const archive = c.archive === undefined ? 'on' : this.oneOf('cluster.archive', c.archive, ARCHIVE_MODES, 'archive mode');
    const spec: ClusterSpec = { zones, synchronous, dcs, failsafe: c.failsafe === true, etcdApi, archive };
    if (c.stack !== undefined) spec.stack = this.oneOf('cluster.stack', c.stack, STACK_GENERATIONS, 'stack generation');
    if (c.patroni !== undefined) spec.patroni = this.patroni(c.patroni);
    return spec;
  }

  private zones(value: unknown): string[] {
    const list = this.array('cluster.zones', value, 'a list of zone names, e.g. ["a", "b", "c"]');
    if (list.length < 1 || list.length > 9) this.fail('cluster.zones', `expected 1 to 9 zones, got ${list.length}`);
    const seen = new Set<string>();
    return list.map((zone, i) => {
      const name = this.string(`cluster.zones[${i}]`, zone, /^[a-z0-9]{1,12}$/, 'a zone name of lowercase letters and digits, e.g. "a"');
      if (seen.has(name)) this.fail(`cluster.zones[${i}]`, `zone "${name}" is listed twice`);
      seen.add(name);
      return name;
    });
  }

  private patroni(value: unknown): PatroniTimings {
    const p = this.object('cluster.patroni', value, ['ttl', 'loopWait', 'retryTimeout'], ['ttl', 'loopWait', 'retryTimeout']);
    const timings = {
      ttl: this.integer('cluster.patroni.ttl', p.ttl, 1, 3600, 'seconds'),
      loopWait: this.integer('cluster.patroni.loopWait', p.loopWait, 1, 3600, 'seconds'),
      retryTimeout: this.integer('cluster.patroni.retryTimeout', p.retryTimeout, 1, 3600, 'seconds'),
    };
    // Patroni silently adjusts timings that break this rule; the drill would then measure other timings than declared.
    if (timings.loopWait + 2 * timings.retryTimeout > timings.ttl) {
      this.fail('cluster.patroni', `expected loopWait + 2 × retryTimeout <= ttl (Patroni's rule), got ${timings.loopWait} + 2 × ${timings.retryTimeout} > ${timings.ttl}`);
    }
    return timings;
  }

  private workload(value: unknown): WorkloadInput {
    const w = this.object('workload', value, ['writers', 'rate'], ['writers', 'rate']);
    return {
      writers: this.integer('workload.writers', w.writers, 1, 1000, 'writers'),
      rate: this.number('workload.rate', w.rate, 0, 100_000, 'writes per second, all writers together'),
    };
  }

  /** `at` is the list's field path; a drill inside a restored cluster (`nested`) cannot restore again. */
  private steps(value: unknown, zones: readonly string[], at = 'steps', nested = false): Step[] {
    const list = this.array(at, value, "a list of steps, e.g. [wait('10s'), inject('primary-kill')]");
    if (list.length === 0) this.fail(at, "expected at least one step, e.g. wait('10s')");
    const active: string[] = [];
    const ids = new Set<string>();
    const marks = new Set<string>();
    let restores = 0;
    return list.map((raw, i): Step => {
      const path = `${at}[${i}]`;
      if (typeof raw === 'function') this.fail(path, `got the function ${raw.name || 'a function'} itself; call it, e.g. ${raw.name || 'wait'}('10s')`);
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) this.fail(path, `expected a step object with one of ${STEP_KINDS.join(', ')}, got ${describe(raw)}`);
      const kinds = STEP_KINDS.filter((k) => Object.hasOwn(raw, k));
      if (kinds.length !== 1) {
        this.fail(path, kinds.length === 0
          ? `expected a step with one of ${STEP_KINDS.join(', ')}, got fields ${Object.keys(raw).join(', ') || 'none'}`
          : `a step has exactly one kind, got ${kinds.join(' and ')}`);
      }
      const kind = kinds[0] as StepKey;
      switch (kind) {
        case 'wait': {
          const s = this.object(path, raw, ['wait', 'byTarget'], ['wait']);
          const text = this.durationText(`${path}.wait`, s.wait);
          const step: Step = { kind: 'wait', ms: this.duration(`${path}.wait`, text), text };
          if (s.byTarget !== undefined) {
            const byTarget = this.object(`${path}.byTarget`, s.byTarget, ADJUSTABLE_TARGETS, []);
            step.byTarget = {};
            for (const target of ADJUSTABLE_TARGETS) {
              if (byTarget[target] === undefined) continue;
              const other = this.durationText(`${path}.byTarget.${target}`, byTarget[target]);
              step.byTarget[target] = { ms: this.duration(`${path}.byTarget.${target}`, other), text: other };
            }
          }
          return step;
        }
        case 'waitHealthy': {
          const s = this.object(path, raw, ['waitHealthy'], ['waitHealthy']);
          const text = this.durationText(`${path}.waitHealthy`, s.waitHealthy);
          const timeoutMs = this.duration(`${path}.waitHealthy`, text);
          if (timeoutMs <= 0) this.fail(`${path}.waitHealthy`, `expected a timeout above zero, got "${text}"`);
          return { kind: 'wait-healthy', timeoutMs, text };
        }
        case 'inject': {
          const s = this.object(path, raw, ['inject', 'id', 'target'], ['inject']);
          const fault = this.oneOf(`${path}.inject`, s.inject, SCENARIO_FAULT_KINDS, 'fault kind');
          const id = s.id === undefined ? nextFaultId(ids) : this.string(`${path}.id`, s.id, /^(?!all$)[A-Za-z0-9_-]{1,32}$/, 'a fault id of letters, digits, _ or - (not "all")');
          if (ids.has(id)) this.fail(`${path}.id`, `fault id "${id}" is already used by an earlier inject`);
          const target = this.faultTarget(`${path}.target`, fault, s.target, zones);
          ids.add(id);
          active.push(id);
          return { kind: 'inject', fault, id, target };
        }
        case 'heal': {
          const s = this.object(path, raw, ['heal'], ['heal']);
          const id = this.string(`${path}.heal`, s.heal, /\S/, 'a fault id or "all"');
          if (id === 'all') return { kind: 'heal', ids: active.splice(0), all: true };
          const at = active.indexOf(id);
          if (at < 0) {
            const known = ids.has(id) ? `fault "${id}" is already healed by an earlier step` : `no earlier inject has id "${id}"${didYouMean(id, [...ids])}`;
            this.fail(`${path}.heal`, `${known}; active faults here: ${active.join(', ') || 'none'}`);
          }
          active.splice(at, 1);
          return { kind: 'heal', ids: [id], all: false };
        }
        case 'mark': {
          const s = this.object(path, raw, ['mark'], ['mark']);
          const name = this.string(`${path}.mark`, s.mark, /^[A-Za-z0-9_.-]{1,64}$/, 'a mark name of letters, digits, _ . or -, e.g. "T1"');
          if (marks.has(name)) this.fail(`${path}.mark`, `mark "${name}" is already used by an earlier step`);
          marks.add(name);
          return { kind: 'mark', name };
        }
        case 'backup': {
          const s = this.object(path, raw, ['backup'], ['backup']);
          return { kind: 'backup', type: this.oneOf(`${path}.backup`, s.backup, ['full', 'incremental'] as const, 'backup type') };
        }
        case 'sql': {
          const s = this.object(path, raw, ['sql'], ['sql']);
          return { kind: 'sql', statement: this.string(`${path}.sql`, s.sql, /\S/, 'an SQL statement') };
        }
        case 'restore': {
          if (nested) this.fail(path, 'a drill inside a restored cluster cannot restore again');
          const s = this.object(path, raw, ['restore', 'shape', 'drill'], ['restore']);
          const to = this.string(`${path}.restore`, s.restore, /\S/, "a mark name, 'latest' or 'lsn:<LSN>'");
          restores += 1;
          const name = `restore-${restores}`;
          const shape = s.shape === undefined ? 'single' : this.oneOf(`${path}.shape`, s.shape, RESTORE_SHAPES, 'restore shape');
          const drill = s.drill === undefined ? undefined : this.restoredDrill(`${path}.drill`, s.drill, shape, zones);
          const step = (restoreTo: RestoreTo): Step => ({ kind: 'restore', to: restoreTo, name, shape, ...(drill ? { drill } : {}) });
          if (to === 'latest') return step({ kind: 'latest' });
          if (to.startsWith('lsn:')) {
            const lsn = to.slice(4);
            if (!/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsn)) this.fail(`${path}.restore`, `expected an LSN such as lsn:0/3000060, got "${to}"`);
            return step({ kind: 'lsn', lsn });
          }
          if (!marks.has(to)) this.fail(`${path}.restore`, `no earlier mark is named "${to}"${didYouMean(to, [...marks])}; expected an earlier mark, 'latest' or 'lsn:<LSN>'`);
          return step({ kind: 'mark', mark: to });
        }
        default:
          return assertNever(kind);
      }
    });
  }

  /** The drill inside a restored cluster: it needs the cluster, and is checked like a scenario's own steps and thresholds. */
  private restoredDrill(path: string, value: unknown, shape: RestoreShape, zones: readonly string[]): RestoredDrill {
    if (shape !== 'cluster') this.fail(path, "a drill inside the restore needs shape: 'cluster' (a single restored instance has no HA to drill)");
    const d = this.object(path, value, ['steps', 'thresholds'], ['steps', 'thresholds']);
    const steps = this.steps(d.steps, zones, `${path}.steps`, true);
    return { steps, thresholds: this.thresholds(d.thresholds, steps, `${path}.thresholds`) };
  }

  private faultTarget(path: string, fault: (typeof SCENARIO_FAULT_KINDS)[number], value: unknown, zones: readonly string[]): FaultTarget {
    const allowed = TARGETS_BY_FAULT[fault];
    if (value === undefined) return allowed[0] as FaultTarget;
    if (typeof value === 'string' && value.startsWith('zone:') && allowed.includes('zone:<name>')) {
      const zone = value.slice('zone:'.length);
      if (!zones.includes(zone)) this.fail(path, `zone "${zone}" is not one of the cluster's zones (${zones.join(', ')})`);
      return value as FaultTarget;
    }
    return this.oneOf(path, value, allowed.filter((t) => t !== 'zone:<name>') as FaultTarget[], `target for ${fault}`);
  }

  private thresholds(value: unknown, steps: readonly Step[], at = 'thresholds'): Threshold[] {
    const list = this.array(at, value, 'a list of threshold expressions, e.g. ["rto_seconds <= 30"]');
    const injects = steps.some((s) => s.kind === 'inject');
    return list.map((text, i) => {
      const path = `${at}[${i}]`;
      const threshold = this.rewrap(path, () => parseThreshold(typeof text === 'string' ? text : (this.fail(path, `expected a string such as "rto_seconds <= 30", got ${describe(text)}`))));
      // Without a fault it could only ever be inconclusive: say so now, not after the drill.
      if (!injects && METRICS[threshold.metric].needsFault) this.fail(path, `${threshold.metric} is measured per fault, and no step injects one`);
      return threshold;
    });
  }

  // ---- primitives ----

  private object(path: string, value: unknown, allowed: readonly string[], required: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path || '(default export)', `expected an object with ${required.join(', ')}, got ${describe(value)}${path === '' ? '; write `export default defineScenario({ ... })`' : ''}`);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field${didYouMean(key, allowed)}; expected one of ${allowed.join(', ')}`);
    }
    for (const key of required) if (record[key] === undefined) this.fail(join(path, key), 'missing; it is required');
    return record;
  }

  private array(path: string, value: unknown, expected: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `expected ${expected}, got ${describe(value)}`);
    return value;
  }

  private string(path: string, value: unknown, pattern: RegExp, expected: string): string {
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(path, `expected ${expected}, got ${describe(value)}`);
    return value;
  }

  private number(path: string, value: unknown, exclusiveMin: number, max: number, unit: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= exclusiveMin || value > max) {
      this.fail(path, `expected a number above ${exclusiveMin} and at most ${max} (${unit}), got ${describe(value)}`);
    }
    return value;
  }

  private integer(path: string, value: unknown, min: number, max: number, unit: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `expected a whole number from ${min} to ${max} (${unit}), got ${describe(value)}`);
    }
    return value;
  }

  private oneOf<T extends string>(path: string, value: unknown, options: readonly T[], what = 'value'): T {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      const hint = typeof value === 'string' ? didYouMean(value, options) : '';
      this.fail(path, `unknown ${what} ${describe(value)}${hint}; expected one of ${options.join(', ')}`);
    }
    return value as T;
  }

  private durationText(path: string, value: unknown): string {
    if (typeof value !== 'string') this.fail(path, `expected ${DURATION_EXPECTED}, got ${describe(value)}`);
    return value;
  }

  private duration(path: string, text: string): number {
    return this.rewrap(path, () => parseDuration(text));
  }

  /** Runs a parser that throws UsageError and puts the file and field path in front of its message. */
  private rewrap<T>(path: string, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ScenarioError || !(error instanceof UsageError)) throw error;
      return this.fail(path, error.message);
    }
  }

  private fail(path: string, problem: string): never {
    throw new ScenarioError({ file: this.file, path, problem });
  }
}

function nextFaultId(used: ReadonlySet<string>): string {
  let n = 1;
  while (used.has(`f${n}`)) n += 1;
  return `f${n}`;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A short, safe rendering of a value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function assertNever(value: never): never {
  throw new Error(`unexpected step kind ${String(value)}`);
}
