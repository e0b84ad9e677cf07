/** Labels on every container, network and volume a run creates: cleanup finds them by these. */
export const RUN_LABEL = 'pgdrill.run';
export const ZONE_LABEL = 'pgdrill.zone';
export const ROLE_LABEL = 'pgdrill.role';
export const NAME_LABEL = 'pgdrill.name';

export function runLabels(runId: string, extra: { zone?: string; role?: string; name?: string } = {}): Record<string, string> {
  return {
    [RUN_LABEL]: runId,
    ...(extra.zone ? { [ZONE_LABEL]: extra.zone } : {}),
    ...(extra.role ? { [ROLE_LABEL]: extra.role } : {}),
    ...(extra.name ? { [NAME_LABEL]: extra.name } : {}),
  };
}
