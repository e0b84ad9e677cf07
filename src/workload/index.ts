export { Workload, type WorkloadOptions, type WorkloadSummary } from './workload.ts';
export type { WorkloadCounters } from './workload-counters.ts';
