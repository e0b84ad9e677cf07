import type Docker from 'dockerode';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { parseRunSubnet } from './stack-options.ts';

/**
 * The run network's /24: the one asked for, or the first 198.18.N.0/24 no
 * Docker network uses yet. Returns its first three octets, "198.18.N".
 */
export async function pickRunSubnet(docker: Docker, requested?: string): Promise<string> {
  const used = new Set<string>();
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) if (c.Subnet) used.add(c.Subnet);
  }
  if (requested !== undefined) {
    parseRunSubnet(requested);
    if (used.has(requested)) throw new UsageError(`subnet ${requested} is already used by another Docker network: pick another with --subnet`);
    return requested.replace(/\.0\/24$/, '');
  }
  for (let third = 0; third < 256; third++) {
    const candidate = `198.18.${third}.0/24`;
    if (!used.has(candidate)) return `198.18.${third}`;
  }
  throw new InfrastructureError('every /24 in 198.18.0.0/16 is taken by Docker networks: run "pgdrill cleanup" to remove old runs');
}
