import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { parseThreshold, type Threshold } from '../scenario/thresholds.ts';

/** A user's SQL assertion: the rows it must return, each as its fields (psql's unaligned output split at |). */
export interface RestoreAssertion {
  name: string;
  database: string;
  sql: string;
  expect: string[][];
}

export interface RestoreTestConfig {
  file: string;
  /** Where the repository is: a local stack's run id, or an existing CloudNativePG Cluster whose backups are read. */
  source: RestoreTestSource;
  /** The pgBackRest stanza (local source only). */
  stanza: string;
  /** 'latest' (the end of the archived WAL) or an ISO 8601 time. */
  target: string;
  assertions: RestoreAssertion[];
  thresholds: Threshold[];
}

export type RestoreTestSource =
  | { kind: 'local'; run: string }
  | { kind: 'kubernetes'; cluster: string; namespace: string; context?: string };

const KEYS = ['source', 'stanza', 'target', 'assertions', 'thresholds'];

/**
 * Reads a restore test's JSON config, strictly (exit 2 before anything
 * starts). It can only name where to read backups from and what to check:
 * there is no field that could make the test write to the source.
 *
 *   { "source": { "run": "<run id>" }, "target": "latest",
 *     "assertions": "assertions.json", "thresholds": ["restore_seconds <= 300"] }
 *
 * An assertions file holds [{ "name", "database"?, "sql", "expect": [[...], ...] }].
 */
export function loadRestoreTestConfig(path: string): RestoreTestConfig {
  const raw = readJson(path, 'restore test config');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${path}: expected a JSON object with ${KEYS.join(', ')}`);
  const c = raw as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!KEYS.includes(key)) throw new UsageError(`${path}: unknown field "${key}" (expected ${KEYS.join(', ')}); a restore test reads the repository and nothing else`);
  const source = parseSource(path, c.source);
  if (source.kind === 'kubernetes' && c.stanza !== undefined) throw new UsageError(`${path}: "stanza" applies to a local source only; a kubernetes source reads the Cluster's own backup configuration`);
  const target = c.target === undefined ? 'latest' : c.target;
  if (typeof target !== 'string' || (target !== 'latest' && Number.isNaN(Date.parse(target)))) {
    throw new UsageError(`${path}: "target" must be "latest" or an ISO 8601 time such as 2026-12-02T05:00:00Z (got ${JSON.stringify(target)})`);
  }
  const stanza = c.stanza === undefined ? 'pgdrill' : c.stanza;
  if (typeof stanza !== 'string' || !/^[A-Za-z0-9_-]+$/.test(stanza)) throw new UsageError(`${path}: "stanza" must be a stanza name`);
  const thresholds = c.thresholds === undefined ? [] : c.thresholds;
  if (!Array.isArray(thresholds)) throw new UsageError(`${path}: "thresholds" must be a list such as ["restore_seconds <= 300"]`);
  let assertions: RestoreAssertion[] = [];
  if (c.assertions !== undefined) {
    if (typeof c.assertions !== 'string') throw new UsageError(`${path}: "assertions" must name a JSON file of assertions`);
    assertions = loadAssertions(resolve(dirname(path), c.assertions));
  }
  return {
    file: path,
    source,
    stanza,
    target,
    assertions,
    thresholds: thresholds.map((t, i) => {
      try {
        return parseThreshold(t as string);
      } catch (error) {
        throw new UsageError(`${path}: thresholds[${i}]: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  };
}

const SOURCE_SHAPES = '{ "run": "<run id of a local stack>" } or { "kubernetes": { "cluster": "<Cluster name>", "namespace": "<its namespace>", "context"?: "<kube context>" } }';
/** A Kubernetes object name (RFC 1123 label: what a Cluster and a namespace may be called). */
const KUBE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function parseSource(path: string, raw: unknown): RestoreTestSource {
  const s = raw as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object' || Array.isArray(s) || Object.keys(s).length !== 1) throw new UsageError(`${path}: "source" must be ${SOURCE_SHAPES}`);
  if ('run' in s) {
    if (typeof s.run !== 'string' || s.run === '') throw new UsageError(`${path}: "source.run" must be the run id of a local stack`);
    return { kind: 'local', run: s.run };
  }
  if (!('kubernetes' in s)) throw new UsageError(`${path}: "source" must be ${SOURCE_SHAPES}`);
  const k = s.kubernetes as Record<string, unknown> | undefined;
  if (!k || typeof k !== 'object' || Array.isArray(k)) throw new UsageError(`${path}: "source.kubernetes" must be { "cluster", "namespace", "context"? }`);
  for (const key of Object.keys(k)) if (!['cluster', 'namespace', 'context'].includes(key)) throw new UsageError(`${path}: unknown field "source.kubernetes.${key}" (expected cluster, namespace, context)`);
  for (const key of ['cluster', 'namespace'] as const) {
    if (typeof k[key] !== 'string' || !KUBE_NAME.test(k[key])) throw new UsageError(`${path}: "source.kubernetes.${key}" must be a Kubernetes name such as pg-main (got ${JSON.stringify(k[key])})`);
  }
  if (k.context !== undefined && (typeof k.context !== 'string' || k.context === '')) throw new UsageError(`${path}: "source.kubernetes.context" must be the name of a kube context`);
  return { kind: 'kubernetes', cluster: k.cluster as string, namespace: k.namespace as string, ...(typeof k.context === 'string' ? { context: k.context } : {}) };
}

function loadAssertions(file: string): RestoreAssertion[] {
  const raw = readJson(file, 'assertions file');
  if (!Array.isArray(raw)) throw new UsageError(`${file}: expected a list of { "name", "database", "sql", "expect" }`);
  return raw.map((a: unknown, i) => {
    const x = a as Record<string, unknown>;
    const where = `${file}: [${i}]`;
    if (typeof x?.name !== 'string' || typeof x.sql !== 'string') throw new UsageError(`${where}: "name" and "sql" are required strings`);
    if (!Array.isArray(x.expect) || !x.expect.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'string' || typeof v === 'number'))) {
      throw new UsageError(`${where} (${x.name}): "expect" must be the rows the SQL returns, each a list of values, e.g. [["1000"]]`);
    }
    return { name: x.name, database: typeof x.database === 'string' ? x.database : 'pgdrill', sql: x.sql, expect: (x.expect as unknown[][]).map((row) => row.map(String)) };
  });
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { path }, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the ${what} ${path} is not valid JSON: ${(error as Error).message}`, { path }, error);
  }
}
