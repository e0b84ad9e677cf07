import { UsageError } from '../../errors.ts';
import { STACK_GENERATIONS, type PatroniTimings, type StackGeneration } from '../../scenario/types.ts';

/**
 * One generation of the local stack: the Debian release its node image is
 * built from, and what that release's packages can do. The versions are
 * the Debian packages' own (checked on this mirror); the report's audit
 * section shows what the binaries themselves say.
 */
export interface LocalGeneration {
  name: StackGeneration;
  /** Debian suite the image is built from. */
  suite: 'bookworm' | 'trixie';
  /** Base image where a registry answers. */
  baseImage: string;
  /** PostgreSQL major version (the postgresql-N package, /usr/lib/postgresql/N/bin). */
  postgresMajor: number;
  /** The packaged versions, for docs and the audit section (the binaries are asked too). */
  packaged: { postgres: string; patroni: string; pgbackrest: string; etcd: string; haproxy: string };
  /** Patroni's quorum commit (synchronous_mode: quorum), from Patroni 4.0. */
  quorumCommit: boolean;
  /** The smallest leader ttl this Patroni applies: Patroni 4 raises a smaller one to 20 s without a word (3.0.2 takes any). */
  minimumTtl: number;
}

const GENERATIONS: Record<StackGeneration, LocalGeneration> = {
  debian12: {
    name: 'debian12',
    suite: 'bookworm',
    baseImage: 'debian:bookworm-slim',
    postgresMajor: 15,
    packaged: { postgres: '15.18', patroni: '3.0.2', pgbackrest: '2.45', etcd: '3.4.23', haproxy: '2.6' },
    quorumCommit: false,
    minimumTtl: 1,
  },
  debian13: {
    name: 'debian13',
    suite: 'trixie',
    baseImage: 'debian:trixie-slim',
    postgresMajor: 17,
    packaged: { postgres: '17.12', patroni: '4.0.7', pgbackrest: '2.55.1', etcd: '3.5.16', haproxy: '3.0.11' },
    quorumCommit: true,
    minimumTtl: 20,
  },
};

/** Today's stack: what a scenario or command line that names none runs on. */
export const DEFAULT_GENERATION: StackGeneration = 'debian12';

export function localGeneration(name: StackGeneration): LocalGeneration {
  return GENERATIONS[name];
}

/** A generation named on the command line or in a config file; anything else is a UsageError (exit 2). */
export function parseGeneration(value: string, where: string): StackGeneration {
  if ((STACK_GENERATIONS as readonly string[]).includes(value)) return value as StackGeneration;
  throw new UsageError(`${where}: stack generation "${value}" is unknown: expected ${STACK_GENERATIONS.join(' or ')}`);
}

/** Where the generation's PostgreSQL binaries are. */
export function postgresBinDir(generation: LocalGeneration): string {
  return `/usr/lib/postgresql/${generation.postgresMajor}/bin`;
}

/**
 * The Patroni timings the stack really runs with: the ones asked, with ttl
 * raised to the generation's minimum (Patroni 4 would raise it silently;
 * pgdrill writes it itself so the expected RTO and the report say so).
 * `askedTtl` is set when the ttl was raised.
 */
export function appliedPatroniTimings(stack: StackGeneration, asked: PatroniTimings): PatroniTimings & { askedTtl?: number } {
  const minimum = localGeneration(stack).minimumTtl;
  return asked.ttl >= minimum ? { ...asked } : { ...asked, ttl: minimum, askedTtl: asked.ttl };
}
