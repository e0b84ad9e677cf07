import { RUN_LABEL } from '../labels.ts';

export { RUN_LABEL };

/** The part a resource plays in the drill (store, cluster, restore, fault, ...): teardown and status read it. */
export const PART_LABEL = 'pgdrill.part';
/** Marks a namespace pgdrill created itself (deleted whole at teardown). */
export const OWNED_NAMESPACE_LABEL = 'pgdrill.owned-namespace';

export type DrillPart = 'namespace' | 'store' | 'cluster' | 'backup' | 'restore' | 'fault';

/** Labels on every object a run creates; teardown deletes exactly what carries its run label. */
export function drillLabels(runId: string, part: DrillPart): Record<string, string> {
  return { [RUN_LABEL]: runId, [PART_LABEL]: part };
}

/** `pgdrill.run=<id>`: the selector that finds everything of one run. */
export function runSelector(runId: string): string {
  return `${RUN_LABEL}=${runId}`;
}

/** Equality label selector from a map, in the API's syntax. */
export function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
