import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError, type KubeObject } from '../client/index.ts';
import { PodControl, podFromTemplate } from './pod-control.ts';

const ref: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
const owner: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' }, annotations: { note: 'x' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

function status(code: number, reason: string, message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });
}

describe('pod control', () => {
  test('a pod from a template carries its labels, annotations, spec, the owner reference and the name prefix', () => {
    const pod = podFromTemplate(template, 'ns', 'web', ref);
    assert.deepEqual(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'web-', namespace: 'ns', labels: { app: 'web' }, annotations: { note: 'x' }, ownerReferences: [ref] },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    pod.spec!.containers[0].image = 'changed';
    assert.equal(template.spec!.containers[0].image, 'nginx', 'the template is not shared with the pod');
  });

  test('a template without labels makes no pod', () => {
    assert.throws(() => podFromTemplate({ spec: { containers: [] } }, 'ns', 'web', ref), /no labels/);
  });

  test('outcomes are recorded as events on the owner', async () => {
    const events: string[] = [];
    const recorder = { event: async (_o: KubeObject, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) };
    let fail: ApiError | undefined;
    const client = {
      async create<T>(_r: unknown, obj: T): Promise<T> {
        if (fail) throw fail;
        return { ...obj, metadata: { ...(obj as Pod).metadata, name: 'web-abcde' } };
      },
      async delete(): Promise<undefined> {
        if (fail) throw fail;
        return undefined;
      },
    };
    const control = new PodControl(client, recorder);
    await control.createPod(owner, template, ref);
    await control.deletePod(owner, 'web-abcde');
    fail = status(403, 'Forbidden', 'exceeded quota');
    await assert.rejects(control.createPod(owner, template, ref), /exceeded quota/);
    await assert.rejects(control.deletePod(owner, 'web-abcde'), /exceeded quota/);
    fail = status(404, 'NotFound', 'pods "web-abcde" not found');
    await control.deletePod(owner, 'web-abcde');
    assert.deepEqual(events, [
      'Normal SuccessfulCreate Created pod: web-abcde',
      'Normal SuccessfulDelete Deleted pod: web-abcde',
      'Warning FailedCreate Error creating: exceeded quota',
      'Warning FailedDelete Error deleting: exceeded quota',
    ]);
  });
});
