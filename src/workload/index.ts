export { Workload, type WorkloadOptions, type WorkloadSummary } from './workload.ts';
export type { WorkloadCounters } from './workload-counters.ts';
export {
  ensureWritesTable,
  INSERT_WRITE_SQL,
  INSTANCE_NAME_SQL,
  PRIMARY_TIMELINE_SQL,
  WRITES_TABLE,
  type InsertedWriteRow,
} from './schema.ts';
