export { InstanceProbe, type InstanceProbeOptions } from './instance-probe.ts';
export { ArchiveSampler, type ArchiveSamplerOptions } from './archive-sampler.ts';
export { LagSampler, type LagSamplerOptions } from './lag-sampler.ts';
export { CANARY_TABLE } from './canary.ts';
export type { Observer } from './sampling-loop.ts';
