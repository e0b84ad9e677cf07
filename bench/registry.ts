/**
 * Every bench by name: `npm run bench` runs them all, `npm run bench -- NAME`
 * one. Add a bench by adding an entry (the lead adds `bring-up`).
 */
import type { Bench } from './bench-result.ts';
import { bringUpBench } from './bring-up.ts';
import { restoreCheckBench } from './restore-check.ts';
import { workloadBench } from './workload.ts';

export const benches: Record<string, Bench> = {
  workload: workloadBench,
  'bring-up': bringUpBench,
  'restore-check': restoreCheckBench,
};
