/**
 * Object semantics a user can see through kubectl: defaulting, generation, the status
 * subresource, finalizers, server-side dry runs, and Service IP and port allocation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifests, startCluster, waitFor, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
  assert.equal(r.code, 0, r.stderr);
}

async function getJson(kubectl: Kubectl, ns: string, what: string): Promise<any> {
  const r = await kubectl(['get', what, '-n', ns, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } };

/** 10.43.0.0/16 without its network address. */
function inServiceCidr(ip: string): boolean {
  const m = ip.match(/^10\.43\.(\d+)\.(\d+)$/);
  return !!m && Number(m[1]) < 256 && Number(m[2]) < 256 && !(m[1] === '0' && m[2] === '0');
}

describe('defaulting', () => {
  test('a pod gets upstream defaults', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'latest', image: 'busybox', ports: [{ containerPort: 80 }] }, { name: 'tagged', image: 'busybox:1.36' }] },
    });
    const pod = await getJson(kubectl, ns, 'pod/p');
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.schedulerName, 'default-scheduler');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always', 'no tag means :latest');
    assert.equal(pod.spec.containers[1].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(pod.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(pod.spec.containers[0].terminationMessagePolicy, 'File');
    assert.equal(pod.status.phase, 'Pending');
    assert.equal(pod.status.qosClass, 'BestEffort');
  });

  test('a service gets upstream defaults', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    const svc = await getJson(kubectl, ns, 'svc/s');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.ok(inServiceCidr(svc.spec.clusterIP), svc.spec.clusterIP);
    assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
  });
});

describe('generation and the status subresource', () => {
  test('generation is bumped by spec changes only', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).metadata.generation, 1);

    assert.equal((await kubectl(['label', 'deploy', 'd', '-n', ns, 'x=y'])).code, 0);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).metadata.generation, 1, 'labels are not spec');

    const status = await kubectl(['patch', 'deploy', 'd', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"observedGeneration":1}}']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).metadata.generation, 1, 'status is not spec');

    assert.equal((await kubectl(['scale', 'deploy', 'd', '-n', ns, '--replicas=2'])).code, 0);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).metadata.generation, 2);

    assert.equal((await kubectl(['set', 'image', 'deploy/d', '-n', ns, 'c=busybox:1.37'])).code, 0);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).metadata.generation, 3);
  });

  test('status cannot be written through the main resource', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment);
    const patched = await kubectl(['patch', 'deploy', 'd', '-n', ns, '--type=merge', '-p', '{"status":{"replicas":5}}']);
    assert.equal(patched.stdout, 'deployment.apps/d patched (no change)\n', patched.stderr);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).status?.replicas, undefined);
  });

  test('spec cannot be written through /status', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment);
    const patched = await kubectl(['patch', 'deploy', 'd', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"spec":{"replicas":7},"status":{"replicas":2}}']);
    assert.equal(patched.stdout, 'deployment.apps/d patched\n', patched.stderr);
    const obj = await getJson(kubectl, ns, 'deploy/d');
    assert.equal(obj.spec.replicas, 1);
    assert.equal(obj.status.replicas, 2);
  });

  test('a pod phase set through /status shows in the table', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
    const patched = await kubectl(['patch', 'pod', 'p', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","podIP":"10.42.0.9","podIPs":[{"ip":"10.42.0.9"}]}}']);
    assert.equal(patched.code, 0, patched.stderr);
    const wide = await kubectl(['get', 'pod', 'p', '-n', ns, '-o', 'wide', '--no-headers']);
    assert.match(wide.stdout, /^p\s+0\/1\s+Running\s+0\s+\S+\s+10\.42\.0\.9\s+n1\s+<none>\s+<none>$/m);
  });
});

describe('finalizers and dry runs', () => {
  test('an object with a finalizer is only marked deleted until the finalizer is removed', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const deleted = await kubectl(['delete', 'cm', 'held', '-n', ns, '--wait=false']);
    assert.equal(deleted.stdout, 'configmap "held" deleted\n', deleted.stderr);
    const marked = await getJson(kubectl, ns, 'cm/held');
    assert.ok(marked.metadata.deletionTimestamp, 'deletionTimestamp is set');
    assert.deepEqual(marked.metadata.finalizers, ['example.com/hold']);

    const released = await kubectl(['patch', 'cm', 'held', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    assert.equal(released.code, 0, released.stderr);
    await waitFor(async () => (await kubectl(['get', 'cm', 'held', '-n', ns])).stderr.includes('not found'));
  });

  test('--dry-run=server validates and defaults but stores nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['create', '-n', ns, '--dry-run=server', '-f', '-', '-o', 'json'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
    });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).spec.restartPolicy, 'Always');
    const get = await kubectl(['get', 'pod', 'ghost', '-n', ns]);
    assert.equal(get.stderr, 'Error from server (NotFound): pods "ghost" not found\n');
  });

  test('--dry-run=server on patch and delete changes nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { k: 'v' } });
    const before = await getJson(kubectl, ns, 'cm/dry');
    const patched = await kubectl(['patch', 'cm', 'dry', '-n', ns, '--dry-run=server', '--type=merge', '-p', '{"data":{"k":"changed"}}']);
    assert.equal(patched.stdout, 'configmap/dry patched\n', patched.stderr);
    const deleted = await kubectl(['delete', 'cm', 'dry', '-n', ns, '--dry-run=server']);
    assert.equal(deleted.stdout, 'configmap "dry" deleted (server dry run)\n', deleted.stderr);
    const after = await getJson(kubectl, ns, 'cm/dry');
    assert.deepEqual([after.data, after.metadata.resourceVersion], [before.data, before.metadata.resourceVersion]);
  });
});

describe('Service allocation', () => {
  test('the kubernetes Service exists in default at the first service IP', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const svc = await getJson(kubectl, 'default', 'svc/kubernetes');
    assert.equal(svc.spec.clusterIP, '10.43.0.1');
    assert.equal(svc.spec.ports[0].name, 'https');
    assert.equal(svc.spec.ports[0].port, 443);
  });

  test('ClusterIPs and NodePorts are unique and in range', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const items = Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `s${i}` },
      spec: { type: 'NodePort', selector: { app: `s${i}` }, ports: [{ port: 80 }] },
    }));
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifests(...items) });
    assert.equal(created.code, 0, created.stderr);
    const list = await getJson(kubectl, ns, 'svc');
    const ips = list.items.map((s: any) => s.spec.clusterIP);
    const ports = list.items.map((s: any) => s.spec.ports[0].nodePort);
    assert.equal(ips.length, 20);
    assert.equal(new Set(ips).size, 20, `duplicate ClusterIP in ${ips}`);
    assert.ok(ips.every(inServiceCidr), `ClusterIP outside 10.43.0.0/16: ${ips}`);
    assert.ok(!ips.includes('10.43.0.1'), 'the kubernetes Service holds 10.43.0.1');
    assert.equal(new Set(ports).size, 20, `duplicate NodePort in ${ports}`);
    assert.ok(ports.every((p: number) => p >= 30000 && p <= 32767), `NodePort out of range: ${ports}`);
  });

  test('an IP or port in use is refused, and released when its Service is deleted', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const ip = '10.43.200.7';
    const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort: 31777 }] } });
    await create(kubectl, ns, svc('first'));

    const taken = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(svc('second')) });
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^The Service "second" is invalid: /);
    assert.match(taken.stderr, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.43\.200\.7"\}: failed to allocate IP 10\.43\.200\.7: provided IP is already allocated/);

    const portTaken = await kubectl(['create', '-n', ns, '-f', '-'], {
      stdin: JSON.stringify({ ...svc('third'), spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 31777 }] } }),
    });
    assert.equal(portTaken.code, 1);
    assert.match(portTaken.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 31777: provided port is already allocated/);

    assert.equal((await kubectl(['delete', 'svc', 'first', '-n', ns])).code, 0);
    const reused = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(svc('second')) });
    assert.equal(reused.stdout, 'service/second created\n', reused.stderr);
  });

  test('clusterIP is immutable', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    const patched = await kubectl(['patch', 'svc', 's', '-n', ns, '--type=merge', '-p', '{"spec":{"clusterIP":"10.43.250.250","clusterIPs":["10.43.250.250"]}}']);
    assert.equal(patched.code, 1);
    assert.match(patched.stderr, /^The Service "s" is invalid: /);
    assert.match(patched.stderr, /spec\.clusterIPs\[0\]: Invalid value: .*: may not change once set/);
  });
});
