import { REDACTED } from './redact.ts';

/**
 * What an auditor asks of a drill, in one place: when, where, who, on which
 * versions and images, which exact drill (file and hash) with which exact
 * gates, started by which command. Most of it is elsewhere in the RunResult
 * too; here it is gathered so the audit section reads from one object.
 */
export interface RunAudit {
  startedAt: string;
  finishedAt: string;
  /** The machine pgdrill ran on. */
  host: string;
  target: string;
  /** The OS user that ran pgdrill. */
  user: string;
  /** Versions of the harness and of everything under test (PostgreSQL, Patroni, ...). */
  versions: Record<string, string>;
  /** Image names, ids or digests the stack ran from. */
  images: Record<string, string>;
  scenarioFile: string;
  scenarioSha256: string;
  /** The thresholds exactly as evaluated. */
  thresholds: string[];
  /** process.argv with anything secret-looking replaced by [redacted]. */
  commandLine: string[];
  workingDirectory: string;
  /** CI job that ran it, when one did (GitHub Actions run URL, ...). */
  ci?: string;
}

const HOST_KEYS = new Set(['host', 'user']);
const IMAGE_KEY = /image|digest/i;

export interface AuditInput {
  startedAt: string;
  finishedAt: string;
  target: string;
  environment: Record<string, string>;
  scenarioFile: string;
  scenarioSha256: string;
  thresholds: string[];
  commandLine: readonly string[];
  workingDirectory: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function buildAudit(input: AuditInput): RunAudit {
  const versions: Record<string, string> = {};
  const images: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.environment)) {
    if (HOST_KEYS.has(key)) continue;
    if (IMAGE_KEY.test(key)) images[key] = value;
    else versions[key] = value;
  }
  const ci = ciJob(input.env);
  return {
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    host: input.environment.host ?? 'unknown',
    target: input.target,
    user: input.environment.user ?? 'unknown',
    versions,
    images,
    scenarioFile: input.scenarioFile,
    scenarioSha256: input.scenarioSha256,
    thresholds: [...input.thresholds],
    commandLine: redactCommandLine(input.commandLine),
    workingDirectory: input.workingDirectory,
    ...(ci ? { ci } : {}),
  };
}

/** A flag or variable whose value is a secret: `--password x`, `--token=x`, `PGPASSWORD=x`, `--api-key x`. */
const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|credentials?|private[-_]?key|access[-_]?key|api[-_]?key|auth)$/i;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+):[^\s/@]*@/gi;
/** key=value pairs inside one argument, e.g. a libpq connection string "host=x password=y". */
const INLINE_PAIR = /\b([A-Za-z_][A-Za-z0-9_-]*)=("[^"]*"|'[^']*'|\S+)/g;

/**
 * Redacts a command line the way `ps` output should have been: the value of
 * a secret-looking flag (as `--flag value` or `--flag=value`), secret-looking
 * NAME=value pairs, and the password part of URLs. Order and count of the
 * arguments are kept, so the line still shows what was run.
 */
export function redactCommandLine(argv: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      out.push(REDACTED);
      hideNext = false;
      continue;
    }
    const flag = /^--?([A-Za-z0-9][A-Za-z0-9_-]*)(=(.*))?$/s.exec(arg);
    if (flag && SECRET_NAME.test(flag[1] ?? '')) {
      if (flag[2] === undefined) {
        hideNext = true;
        out.push(arg);
      } else {
        out.push(`${arg.startsWith('--') ? '--' : '-'}${flag[1]}=${REDACTED}`);
      }
      continue;
    }
    out.push(
      arg
        .replace(URL_USERINFO, `$1$2:${REDACTED}@`)
        .replace(INLINE_PAIR, (pair, name: string) => (SECRET_NAME.test(name) ? `${name}=${REDACTED}` : pair)),
    );
  }
  return out;
}

/** The CI job's address when the usual variables say one ran this. */
function ciJob(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  if (env.BUILD_URL) return env.BUILD_URL;
  return undefined;
}
