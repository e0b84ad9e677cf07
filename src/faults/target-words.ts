/**
 * What a fault hits, as a scenario writes it, resolved when the fault is injected:
 * - primary / replica: that instance (a replica: the synchronous standby when there is one);
 * - primary-zone: the primary's zone; replica-zones: every other zone; zone:<name>: that zone;
 * - archive: the link from the database nodes to the backup repository;
 * - dcs-majority: a majority of the consensus store's members.
 */
export const FAULT_TARGETS = ['primary', 'replica', 'primary-zone', 'replica-zones', 'archive', 'dcs-majority'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number] | `zone:${string}`;

/** A target word a fault kind accepts; 'zone:<name>' stands for any of the cluster's zones. */
export type TargetWord = (typeof FAULT_TARGETS)[number] | 'zone:<name>';
