import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { allTargetFlags, TARGET_DRIVERS } from '../registry.ts';
import { CNPG_VERSION, RELEASE_MANIFESTS } from './cnpg.ts';
import { generationFromOptions, OPERATOR_RELEASES, parseKubeGeneration, PINNED_OPERATOR } from './kube-generation.ts';

const refusal = (spec: string): string => {
  try {
    parseKubeGeneration(spec, '--candidate');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  return 'accepted';
};

describe('kube generations: cnpg-<operator version>[+<PostgreSQL image>]', () => {
  it("an operator version alone runs that operator's default PostgreSQL image, named in full", () => {
    expect(parseKubeGeneration('cnpg-1.29.1')).toEqual({
      operator: {
        version: '1.29.1',
        manifest: 'https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.29/releases/cnpg-1.29.1.yaml',
        defaultImage: 'ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie',
      },
      postgresImage: 'ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie',
      name: 'cnpg-1.29.1+ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie',
    });
  });

  it('an image after the +: the Cluster runs it (tags, registries with ports, digests)', () => {
    for (const image of [
      'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie',
      'registry.example.com:5000/pg/postgresql:16',
      `ghcr.io/cloudnative-pg/postgresql:18.3-system-trixie@sha256:${'a'.repeat(64)}`,
    ]) {
      const g = parseKubeGeneration(`cnpg-1.30.0+${image}`);
      expect([g.operator.version, g.postgresImage, g.name]).toEqual(['1.30.0', image, `cnpg-1.30.0+${image}`]);
    }
  });

  it('refuses what is not the syntax, an unknown operator version, and images CloudNativePG would refuse (exit 2)', () => {
    expect(refusal('debian13')).toMatch(/^--candidate "debian13" is not cnpg-<operator version>\[\+<PostgreSQL image>\]/);
    expect(refusal('cnpg-1.31.0')).toBe('--candidate "cnpg-1.31.0": CloudNativePG 1.31.0 is not a known operator version (known: 1.30.0, 1.29.2, 1.29.1, 1.28.4)');
    expect(refusal('cnpg-')).toMatch(/CloudNativePG \(none\) is not a known operator version/);
    expect(refusal('cnpg-1.29.2+')).toMatch(/PostgreSQL image "" is not an image reference/);
    expect(refusal('cnpg-1.29.2+Ghcr.io/PG:17')).toMatch(/is not an image reference/);
    expect(refusal('cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql')).toMatch(/has no tag: CloudNativePG reads the PostgreSQL version from it/);
    expect(refusal(`cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql@sha256:${'b'.repeat(64)}`)).toMatch(/has no tag/);
    expect(refusal('cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql:latest')).toMatch(/is tagged latest: CloudNativePG refuses it/);
    expect(refusal('cnpg-1.29.2+ghcr.io/cloudnative-pg/postgresql:bookworm')).toMatch(/has tag "bookworm", which names no PostgreSQL version/);
  });

  it('every release manifest is releases/cnpg-<version>.yaml on its release branch; the pinned one is the default install', () => {
    for (const r of OPERATOR_RELEASES) {
      const minor = r.version.split('.').slice(0, 2).join('.');
      expect(r.manifest).toBe(`https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-${minor}/releases/cnpg-${r.version}.yaml`);
      expect(r.defaultImage).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:\d+\.\d+-system-trixie$/);
    }
    expect(PINNED_OPERATOR.version).toBe(CNPG_VERSION);
    expect(PINNED_OPERATOR.manifest).toBe(RELEASE_MANIFESTS.cnpg);
  });

  it('--generation is a flag of kind and kubernetes, not of local, and is parsed from the options', () => {
    expect(allTargetFlags().filter((f) => f.key === 'generation')).toHaveLength(1);
    expect(TARGET_DRIVERS.kind.flags.some((f) => f.key === 'generation')).toBe(true);
    expect(TARGET_DRIVERS.kubernetes.flags.some((f) => f.key === 'generation')).toBe(true);
    expect(TARGET_DRIVERS.local.flags.some((f) => f.key === 'generation')).toBe(false);
    expect(generationFromOptions({})).toBeUndefined();
    expect(generationFromOptions({ generation: 'cnpg-1.28.4' })?.operator.version).toBe('1.28.4');
    expect(() => TARGET_DRIVERS.kind.configure({ generation: 'cnpg-9.9.9' })).toThrow('--generation "cnpg-9.9.9": CloudNativePG 9.9.9 is not a known operator version');
  });
});
