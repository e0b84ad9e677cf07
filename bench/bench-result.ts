/** What a bench returns: a small table of measured values, printed by bench/run.ts. */
export interface BenchRow {
  /** What was measured, in words. */
  metric: string;
  value: number | string;
  unit?: string;
  /** The goal, when there is one (e.g. ">= 0.8"); `met` says whether this run reached it. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: BenchRow[];
  /** Conditions a reader needs to interpret the numbers (server settings, durations, ...). */
  notes: string[];
}

export type Bench = () => Promise<BenchResult>;
