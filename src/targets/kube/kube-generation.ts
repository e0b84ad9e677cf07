import { UsageError } from '../../errors.ts';
import type { TargetFlag, TargetGenerations } from '../driver.ts';
import { CNPG_VERSION, cnpgReleaseManifest } from './cnpg.ts';

/** A CloudNativePG release pgdrill knows how to install (kind) or accept as installed (kubernetes). */
export interface OperatorRelease {
  version: string;
  /** Its release manifest (cnpg.ts's cnpgReleaseManifest). */
  manifest: string;
  /** The PostgreSQL image it runs when a Cluster names none: DefaultImageName in its pkg/versions/versions.go. */
  defaultImage: string;
}

const release = (version: string, defaultImage: string): OperatorRelease => ({ version, manifest: cnpgReleaseManifest(version), defaultImage });

/**
 * The operator versions a kube generation may name: the newest patches of
 * the minors CloudNativePG supported when this was written (1.30, 1.29; its
 * docs/src/supported_releases.md), and 1.28's last, for certifying an
 * upgrade away from it (end of life 30 June 2026). Each default image is the
 * release tag's pkg/versions/versions.go. pgdrill's Cluster schemas are
 * 1.30.0's (./schemas/); the fields it writes are in the older CRDs too.
 */
export const OPERATOR_RELEASES: readonly OperatorRelease[] = [
  release('1.30.0', 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie'),
  release('1.29.2', 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie'),
  release('1.29.1', 'ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie'),
  release('1.28.4', 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie'),
];

/** The release the kind target installs when no generation is asked for. */
export const PINNED_OPERATOR: OperatorRelease = OPERATOR_RELEASES.find((r) => r.version === CNPG_VERSION)!;

/**
 * What a drill on kind or kubernetes runs: an operator release and the
 * PostgreSQL image of the Cluster (Cluster.spec.imageName). Written
 * `cnpg-<operator version>[+<image>]`; without an image, the operator's
 * default, named explicitly so both sides of a certification say what ran.
 */
export interface KubeGeneration {
  operator: OperatorRelease;
  postgresImage: string;
  /** The canonical spelling, image included: what reports show. */
  name: string;
}

const PREFIX = 'cnpg-';
const SYNTAX = 'cnpg-<operator version>[+<PostgreSQL image>], e.g. cnpg-1.29.2 or cnpg-1.30.0+ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie';

/** True when a value is written as a kube generation (whether or not it is a valid one). */
export function isKubeGenerationSpelling(value: string): boolean {
  return value.startsWith(PREFIX);
}

/**
 * Parses `cnpg-<version>[+<image>]`. `+` cannot occur in an image
 * reference, so the split is unambiguous. The version must be in
 * OPERATOR_RELEASES; the image needs a tag that names a PostgreSQL version
 * (CloudNativePG's Cluster webhook refuses `latest`, a digest alone, and a
 * tag it cannot read a version from). Bad input is a UsageError (exit 2).
 */
export function parseKubeGeneration(spec: string, what = 'kube generation'): KubeGeneration {
  if (!isKubeGenerationSpelling(spec)) throw new UsageError(`${what} "${spec}" is not ${SYNTAX}`);
  const plus = spec.indexOf('+');
  const version = plus < 0 ? spec.slice(PREFIX.length) : spec.slice(PREFIX.length, plus);
  const operator = OPERATOR_RELEASES.find((r) => r.version === version);
  if (!operator) {
    throw new UsageError(`${what} "${spec}": CloudNativePG ${version || '(none)'} is not a known operator version (known: ${OPERATOR_RELEASES.map((r) => r.version).join(', ')})`);
  }
  if (plus < 0) return { operator, postgresImage: operator.defaultImage, name: kubeGenerationName(operator) };
  const image = spec.slice(plus + 1);
  const problem = imageProblem(image);
  if (problem) throw new UsageError(`${what} "${spec}": PostgreSQL image "${image}" ${problem}`);
  return { operator, postgresImage: image, name: kubeGenerationName(operator, image) };
}

/** The canonical name of what runs: the operator, and the image the Cluster names (absent: the operator's default). */
export function kubeGenerationName(operator: OperatorRelease, postgresImage?: string): string {
  return `${PREFIX}${operator.version}+${postgresImage ?? operator.defaultImage}`;
}

const IMAGE = /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::(?<tag>[\w][\w.-]{0,127}))?(?:@sha256:[a-f0-9]{64})?$/;

function imageProblem(image: string): string | undefined {
  const match = IMAGE.exec(image);
  if (!match) return 'is not an image reference ([registry/]name:tag[@sha256:digest])';
  const tag = match.groups?.tag;
  if (tag === undefined) return 'has no tag: CloudNativePG reads the PostgreSQL version from it';
  if (tag === 'latest') return "is tagged latest: CloudNativePG refuses it (it cannot tell upgrades)";
  if (!/^\d+/.test(tag)) return `has tag "${tag}", which names no PostgreSQL version (like 18.3 or 17-bookworm)`;
  return undefined;
}

/** `pgdrill run --target kind|kubernetes --generation <spec>`: both drivers list this one flag. */
export const GENERATION_FLAG: TargetFlag = {
  flags: '--generation <spec>',
  description: `CloudNativePG version and PostgreSQL image, ${SYNTAX} (--target kind installs that operator; --target kubernetes checks the installed one)`,
  key: 'generation',
};

/** The generation the parsed options ask for, if any. */
export function generationFromOptions(options: Readonly<Record<string, unknown>>): KubeGeneration | undefined {
  const value = options[GENERATION_FLAG.key];
  if (value === undefined) return undefined;
  return parseKubeGeneration(String(value), '--generation');
}

/** Kube generations as certify names them: through --generation, each parsed before either side runs. */
export const KUBE_GENERATIONS: TargetGenerations = {
  key: GENERATION_FLAG.key,
  noun: 'kube generation',
  description: `a kube generation (cnpg-<operator version>[+<PostgreSQL image>]; operator versions ${OPERATOR_RELEASES.map((r) => r.version).join(', ')})`,
  spelledAs: isKubeGenerationSpelling,
  check: (value, flag) => {
    parseKubeGeneration(value, flag);
  },
};
