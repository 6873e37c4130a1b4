/**
 * Creating and deleting a controller's pods (upstream's RealPodControl): a pod is made from
 * the owner's template with the owner's controller reference and the name prefix
 * `<owner>-`, and every outcome is recorded as an event on the owner, as `kubectl describe`
 * shows it upstream (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete).
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isNotFound, type EventRecorder, type KubeObject, type RestClient } from '../client/index.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** The pod `template` describes, owned by `controllerRef`, ready to POST in `namespace`. */
export function podFromTemplate(template: PodTemplateSpec, namespace: string, ownerName: string, controllerRef: OwnerReference): Pod {
  const labels = { ...(template.metadata?.labels ?? {}) };
  if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ownerName}-`,
      namespace,
      labels,
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef],
    },
    spec: structuredClone(template.spec!),
  };
}

export class PodControl {
  constructor(
    private readonly client: Pick<RestClient, 'create' | 'delete'>,
    private readonly recorder: Pick<EventRecorder, 'event'>,
  ) {}

  /** Creates one pod of `owner` from `template`; a failure is recorded on the owner and thrown. */
  async createPod(owner: KubeObject, template: PodTemplateSpec, controllerRef: OwnerReference): Promise<Pod> {
    const namespace = owner.metadata!.namespace!;
    try {
      const pod = podFromTemplate(template, namespace, owner.metadata!.name!, controllerRef);
      const created = await this.client.create<Pod>(PODS, pod);
      void this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (err) {
      void this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
      throw err;
    }
  }

  /** Deletes pod `name` of `owner`; one already gone counts as deleted. */
  async deletePod(owner: KubeObject, name: string): Promise<void> {
    const namespace = owner.metadata!.namespace!;
    try {
      await this.client.delete(PODS, namespace, name);
      void this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      void this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${message(err)}`);
      throw err;
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
