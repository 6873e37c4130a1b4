/** The ReplicaSet controller: the replica loop over apps/v1 ReplicaSets and their set-based selector. */
import { findResource } from '../api/catalogue.ts';
import { selectorFromLabelSelector, type LabelSelectorSpec } from '../api/labels.ts';
import { replicaSyncController } from './replica-sync.ts';

export const replicaSetController = replicaSyncController({
  resource: findResource('apps', 'v1', 'replicasets')!,
  component: 'replicaset-controller',
  selectorOf: (rs) => selectorFromLabelSelector(rs.spec?.selector as LabelSelectorSpec | undefined),
});
