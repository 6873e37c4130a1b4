import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../client/index.ts';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { FakeRuntime } from './fake-runtime.test-support.ts';
import { ImagePuller } from './image-puller.ts';
import { ImagePullError, type Image, type ImageService } from './images/image-service.ts';
import { PodSyncer } from './pod-sync.ts';

const IMAGE: Image = { id: 'sha256:img', repoTags: ['docker.io/library/busybox:1.36'], repoDigests: ['docker.io/library/busybox@sha256:d1'], size: 10, config: { Cmd: ['sh'] }, layers: [] };

function pod(spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '1', ...meta },
    spec: { nodeName: 'n1', terminationGracePeriodSeconds: 5, containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '9'] }], ...spec },
    status: { phase: 'Pending' },
  };
}

describe('PodSyncer', () => {
  let clock: FakeClock;
  let runtime: FakeRuntime;
  let syncer: PodSyncer;
  let events: string[];
  let statuses: Pod[];
  let deletes: unknown[];
  let cleaned: string[];
  let pullFails: boolean;
  let reads: number;
  let conflicts: number;

  /** The API's copy of the pod: the last status written over `base`. */
  let current: Pod;
  const sync = async (p: Pod = current) => syncer.sync(p.metadata!.uid!, p);
  const lastStatus = () => statuses[statuses.length - 1].status!;

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-11-26T12:00:00Z'));
    runtime = new FakeRuntime(() => clock.now());
    events = [];
    statuses = [];
    deletes = [];
    cleaned = [];
    pullFails = false;
    reads = 0;
    conflicts = 0;
    current = pod();
    const recorder = { event: async (_: unknown, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) };
    const images: ImageService = {
      get: async (ref) => (ref === 'busybox:1.36' ? IMAGE : undefined),
      pull: async (ref) => {
        if (pullFails) throw new ImagePullError(`Failed to pull image "${ref}": not found`, 'ErrImagePull');
        return IMAGE;
      },
      list: async () => [IMAGE],
      remove: async () => {},
      importTarball: async () => [],
      touch: async () => {},
    };
    syncer = new PodSyncer({
      client: {
        get: async () => {
          reads++;
          return current as never;
        },
        // Compare-and-swap on resourceVersion, as the API server does.
        updateStatus: async <T,>(_r: unknown, obj: T): Promise<T> => {
          const written = structuredClone(obj) as Pod;
          if (written.metadata!.resourceVersion !== current.metadata!.resourceVersion) {
            conflicts++;
            throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'the object has been modified' });
          }
          statuses.push(written);
          current = { ...written, metadata: { ...written.metadata, resourceVersion: String(Number(written.metadata!.resourceVersion) + 1) } };
          return current as T;
        },
        delete: async (_r: unknown, ns: string | undefined, name: string, options: unknown) => void deletes.push({ ns, name, options }),
      },
      runtime,
      runtimeName: 'runc',
      images,
      puller: new ImagePuller({ images, objects: { getSecret: async () => undefined }, recorder, clock }),
      logs: { attach: async () => undefined, detach: async () => {} },
      resources: {
        prepare: async () => {},
        refresh: async () => {},
        container: async () => ({ env: [], mounts: [] }),
        runHook: async () => {},
        cleanup: async (uid) => void cleaned.push(uid),
      },
      probes: { update() {}, removePod() {}, readiness: () => undefined, startup: () => undefined, unhealthy: () => new Set() },
      recorder,
      clock,
      rootDir: '/nonexistent/skiff-test-root',
      clusterDomain: 'cluster.local',
      nodeIP: () => '10.0.0.5',
      log: () => {},
    });
  });

  test('a new pod: sandbox, container created and started, status Running, events', async () => {
    await sync();
    assert.deepEqual(runtime.calls, ['runPodSandbox pod-u1', 'create app#0', 'start c0']);
    const s = lastStatus();
    assert.equal(s.phase, 'Running');
    assert.equal(s.containerStatuses![0].containerID, 'runc://c0');
    assert.equal(s.containerStatuses![0].imageID, 'docker.io/library/busybox@sha256:d1');
    assert.deepEqual(events, [
      'Normal Pulled Container image "busybox:1.36" already present on machine',
      'Normal Created Created container app',
      'Normal Started Started container app',
    ]);
    const writes = statuses.length;
    await sync();
    assert.equal(statuses.length, writes, 'an unchanged status is not written again');
  });

  test('a sync before the watch has brought back the last status write neither writes nor reads', async () => {
    const watched = current;
    await sync(watched);
    const writes = statuses.length;
    // The PLEG's sync for the container's start, with the informer's copy still the one written over.
    await sync(watched);
    assert.deepEqual({ writes: statuses.length, reads, conflicts }, { writes, reads: 0, conflicts: 0 });
    runtime.exit('c0', 1);
    await sync(watched);
    assert.equal(lastStatus().containerStatuses![0].lastState?.terminated?.exitCode, 1);
    assert.equal(conflicts, 0);
  });

  test('a status write that meets a change by someone else reads the pod again and writes over it', async () => {
    const watched = current;
    await sync(watched);
    current = { ...current, metadata: { ...current.metadata, labels: { added: 'elsewhere' }, resourceVersion: '10' } };
    runtime.exit('c0', 1);
    await sync(watched);
    assert.equal(conflicts, 1);
    assert.equal(reads, 1);
    assert.equal(lastStatus().containerStatuses![0].lastState?.terminated?.exitCode, 1);
    assert.deepEqual(current.metadata?.labels, { added: 'elsewhere' });
  });

  test('crash loop: first restart at once, then back-off 10 s, then 20 s', async () => {
    await sync();
    runtime.exit('c0', 1);
    await sync();
    assert.equal(runtime.latest('app')!.attempt, 1);
    assert.equal(runtime.latest('app')!.state, 'running');

    await clock.advance(1000);
    runtime.exit(runtime.latest('app')!.id, 1);
    const result = await sync();
    assert.equal(runtime.latest('app')!.attempt, 1, 'no restart during back-off');
    assert.equal(result.requeueAfterMs, 10_000);
    const waiting = lastStatus().containerStatuses![0];
    assert.deepEqual(waiting.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=p_ns(u1)' } });
    assert.equal(waiting.restartCount, 1);
    assert.equal(waiting.lastState?.terminated?.exitCode, 1);
    assert.ok(events.includes('Warning BackOff Back-off restarting failed container app in pod p_ns(u1)'));

    await clock.advance(10_000);
    await sync();
    assert.equal(runtime.latest('app')!.attempt, 2);
    runtime.exit(runtime.latest('app')!.id, 1);
    assert.equal((await sync()).requeueAfterMs, 20_000);
    assert.match(lastStatus().containerStatuses![0].state!.waiting!.message!, /^back-off 20s /);
  });

  test('restartPolicy Never: an exit ends the pod, Failed', async () => {
    current = pod({ restartPolicy: 'Never' });
    await sync();
    runtime.exit('c0', 2);
    await sync();
    assert.equal(runtime.containers.size, 1);
    assert.equal(lastStatus().phase, 'Failed');
    assert.equal(lastStatus().containerStatuses![0].state?.terminated?.exitCode, 2);
  });

  test('deletion: stop within the grace period, remove everything, then delete with grace 0 and the uid', async () => {
    await sync();
    current = { ...current, metadata: { ...current.metadata, deletionTimestamp: '2026-11-26T12:00:05Z', deletionGracePeriodSeconds: 3 } };
    await sync();
    assert.deepEqual(runtime.calls.slice(3), ['stop c0 3', 'remove c0', 'removePodSandbox pod-u1']);
    assert.deepEqual(cleaned, ['u1']);
    assert.deepEqual(deletes, [{ ns: 'ns', name: 'p', options: { gracePeriodSeconds: 0, preconditions: { uid: 'u1' } } }]);
    assert.ok(events.includes('Normal Killing Stopping container app'));
  });

  test('a pod the API no longer has is torn down without an API call', async () => {
    await sync();
    await syncer.sync('u1', undefined);
    assert.equal(runtime.containers.size, 0);
    assert.equal(runtime.sandboxes.size, 0);
    assert.deepEqual(deletes, []);
  });

  test('image pull failure: ErrImagePull, then ImagePullBackOff until the back-off ends', async () => {
    current = pod({ containers: [{ name: 'app', image: 'missing:1', command: ['x'] }] });
    pullFails = true;
    const first = await sync();
    assert.deepEqual(lastStatus().containerStatuses![0].state?.waiting, { reason: 'ErrImagePull', message: 'Failed to pull image "missing:1": not found' });
    assert.equal(first.requeueAfterMs, 10_000);
    await clock.advance(5_000);
    await sync();
    assert.equal(lastStatus().containerStatuses![0].state?.waiting?.reason, 'ImagePullBackOff');
    pullFails = false;
    await clock.advance(5_000);
    await sync();
    assert.equal(lastStatus().phase, 'Running');
  });

  test('a spec the image cannot satisfy: CreateContainerConfigError', async () => {
    current = pod({ securityContext: { runAsNonRoot: true } });
    await sync();
    const waiting = lastStatus().containerStatuses![0].state?.waiting;
    assert.equal(waiting?.reason, 'CreateContainerConfigError');
    assert.match(waiting?.message ?? '', /runAsNonRoot and image will run as root/);
    assert.ok(events.some((e) => e.startsWith('Warning Failed Error: container has runAsNonRoot')));
  });

  test('an invalid image name: InvalidImageName, nothing created', async () => {
    current = pod({ containers: [{ name: 'app', image: 'Not A Reference', command: ['x'] }] });
    await sync();
    assert.equal(lastStatus().containerStatuses![0].state?.waiting?.reason, 'InvalidImageName');
    assert.equal(runtime.containers.size, 0);
  });

  test('init containers run one by one before the app', async () => {
    current = pod({ initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['true'] }] });
    await sync();
    assert.deepEqual(runtime.calls, ['runPodSandbox pod-u1', 'create init#0', 'start c0']);
    assert.equal(lastStatus().phase, 'Pending');
    runtime.exit('c0', 0);
    await sync();
    assert.equal(runtime.latest('app')?.state, 'running');
    assert.equal(lastStatus().phase, 'Running');
    assert.equal(lastStatus().initContainerStatuses![0].state?.terminated?.reason, 'Completed');
  });
});
