/**
 * The ReplicationController controller: the replica loop over core/v1 ReplicationControllers,
 * whose selector is a plain map of labels that must all be equal.
 */
import { findResource } from '../api/catalogue.ts';
import { selectorFromLabelSelector } from '../api/labels.ts';
import { replicaSyncController } from './replica-sync.ts';

export const replicationControllerController = replicaSyncController({
  resource: findResource('', 'v1', 'replicationcontrollers')!,
  component: 'replication-controller',
  selectorOf: (rc) => selectorFromLabelSelector({ matchLabels: (rc.spec?.selector ?? {}) as Record<string, string> }),
});
