/**
 * The API calls preemption makes, behind a small interface so the decision logic is tested
 * without a server: read PodDisruptionBudgets, evict a victim (mark it DisruptionTarget, then
 * delete it gracefully, as upstream), and clear a pod's status.nominatedNodeName.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { findResource } from '../../../api/catalogue.ts';
import { formatTime } from '../../../api/time.ts';
import { isNotFound } from '../../../client/api-error.ts';
import type { Handle } from '../../framework/interface.ts';

export interface PreemptionApi {
  podDisruptionBudgets(): PodDisruptionBudget[];
  evict(victim: Pod, preemptor: Pod, nodeName: string): Promise<void>;
  clearNominatedNodeName(pod: Pod): Promise<void>;
}

/** Thrown when the scheduler gave preemption no client to act through. */
export class NoClientError extends Error {
  override name = 'NoClientError';
}

const PODS = findResource('', 'v1', 'pods')!;

/** The API through the Handle's client and PDB lister; a victim already gone is not an error. */
export function preemptionApiFromHandle(handle: Handle, schedulerName = 'default-scheduler', now: () => Date = () => new Date()): PreemptionApi {
  const client = () => {
    if (!handle.client) throw new NoClientError('DefaultPreemption: the scheduler gave no API client');
    return handle.client;
  };
  const ignoreNotFound = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  return {
    podDisruptionBudgets: () => handle.podDisruptionBudgets?.() ?? [],
    async evict(victim) {
      const { namespace = 'default', name = '', uid } = victim.metadata ?? {};
      const condition = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'PreemptionByScheduler',
        message: `${schedulerName}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: formatTime(now()),
      };
      await client().patchStatus(PODS, namespace, name, { status: { conditions: [condition] } }, 'strategic').catch(ignoreNotFound);
      await client().delete(PODS, namespace, name, uid ? { preconditions: { uid } } : {}).catch(ignoreNotFound);
    },
    async clearNominatedNodeName(pod) {
      const { namespace = 'default', name = '' } = pod.metadata ?? {};
      await client().patchStatus(PODS, namespace, name, { status: { nominatedNodeName: null } }, 'merge').catch(ignoreNotFound);
    },
  };
}
