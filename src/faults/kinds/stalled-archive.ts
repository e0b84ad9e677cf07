import { defineFault } from '../fault.ts';
import { topologyWithPrimary } from '../resolve.ts';
import { archiverView, switchWal } from '../witness/instance-checks.ts';
import { endpointOf } from '../witness/targets.ts';

/**
 * The link from every database instance to the backup repository cut: WAL
 * archiving fails until healed. Dated by the inject (the cut is in place
 * when it returns); proven when an archive attempt fails: the primary's
 * failed_count rises (the check closes the current WAL segment so the
 * archiver has something to try). The heal is seen when a segment is
 * archived again on the primary of that moment.
 */
export const stalledArchive = defineFault({
  kind: 'stalled-archive',
  primitives: 'archiveStall',
  describe: 'make the backup repository unreachable from the database instances',
  targets: ['archive'],
  resolveTargets: async () => ['repository'],
  inject: async (p) => p.stallArchive(),
  heal: async (p) => p.resumeArchive(),
  witness: {
    before: async (_p, _targets, context) => {
      const primary = (await topologyWithPrimary(context.target)).primary;
      const view = await archiverView(endpointOf(context, primary));
      return { primary, failed: view?.failed ?? 0, archived: view?.archived ?? 0, switchedAt: 0, healPrimary: null as string | null };
    },
    dated: 'by-inject',
    proof: async (_p, _targets, context, before) => {
      const endpoint = endpointOf(context, before.primary);
      const view = await archiverView(endpoint);
      if (view && view.failed > before.failed) return `archive attempts fail on ${before.primary}: failed_count ${before.failed} → ${view.failed}`;
      // Give the archiver a segment to try, at most every 5 s.
      if (performance.now() - before.switchedAt > 5_000 && (await switchWal(endpoint))) before.switchedAt = performance.now();
      return null;
    },
    healed: async (_p, _targets, context, before) => {
      // The primary of the moment: after a failover the old one is a standby,
      // which archives nothing under archive_mode = on.
      const primary = (await topologyWithPrimary(context.target).catch(() => null))?.primary;
      if (!primary) return null;
      const endpoint = endpointOf(context, primary);
      const view = await archiverView(endpoint);
      if (!view) return null;
      if (before.healPrimary !== primary) {
        // Once per primary: a fresh segment, then wait for it (or any later one) to be archived.
        before.healPrimary = primary;
        before.archived = view.archived;
        await switchWal(endpoint);
        return null;
      }
      return view.archived > before.archived ? `archiving works again on ${primary}: archived_count ${before.archived} → ${view.archived}` : null;
    },
  },
});
