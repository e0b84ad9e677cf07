import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { OWNED_NAMESPACE_LABEL, drillLabels } from '../labels.ts';

/** A namespace pgdrill creates for one run (kind): deleted whole at teardown. */
export function renderNamespace(runId: string, name: string): INamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...drillLabels(runId, 'namespace'), [OWNED_NAMESPACE_LABEL]: 'true' } },
  };
}
