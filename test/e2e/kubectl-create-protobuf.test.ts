/**
 * kubectl's imperative `create` commands send their objects as Kubernetes protobuf
 * (`application/vnd.kubernetes.protobuf`): each one, run with the real kubectl, must create
 * the object it describes, as read back with `kubectl get -o json`. A protobuf body that is
 * not well formed gets a 400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { rawRequest, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

/** Runs a `kubectl create ...` that must succeed and print `created`. */
async function create(kubectl: Kubectl, args: string[], printed: string): Promise<void> {
  const r = await kubectl(['create', ...args]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${printed} created\n`);
}

/** The stored object, as `kubectl get -o json` shows it. */
async function stored(kubectl: Kubectl, args: string[]): Promise<any> {
  const r = await kubectl(['get', ...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('kubectl create (imperative commands, protobuf bodies)', () => {
  test('create namespace and create configmap --from-literal', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const extra = `${ns}-extra`;
    await create(kubectl, ['namespace', extra], `namespace/${extra}`);
    await create(kubectl, ['configmap', 'lit', '-n', extra, '--from-literal=greeting=hello', '--from-literal=empty='], 'configmap/lit');
    const cm = await stored(kubectl, ['cm', 'lit', '-n', extra]);
    assert.deepEqual(cm.data, { greeting: 'hello', empty: '' });
    const namespace = await stored(kubectl, ['namespace', extra]);
    assert.equal(namespace.status.phase, 'Active');
  });

  test('create secret generic, docker-registry and tls keep the bytes', async (t) => {
    const { ns, kubectl, dir } = await cluster.scope(t);
    await create(kubectl, ['secret', 'generic', 'plain', '-n', ns, '--from-literal=password=s3cret'], 'secret/plain');
    const plain = await stored(kubectl, ['secret', 'plain', '-n', ns]);
    assert.equal(plain.type, 'Opaque');
    assert.equal(Buffer.from(plain.data.password, 'base64').toString(), 's3cret');

    await create(kubectl, ['secret', 'docker-registry', 'pull', '-n', ns, '--docker-server=r.example', '--docker-username=u', '--docker-password=p'], 'secret/pull');
    const pull = await stored(kubectl, ['secret', 'pull', '-n', ns]);
    assert.equal(pull.type, 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString());
    assert.equal(config.auths['r.example'].username, 'u');

    const cert = path.join(dir, 'tls.crt');
    const key = path.join(dir, 'tls.key');
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=example', '-keyout', key, '-out', cert]);
    await create(kubectl, ['secret', 'tls', 'site', '-n', ns, `--cert=${cert}`, `--key=${key}`], 'secret/site');
    const site = await stored(kubectl, ['secret', 'site', '-n', ns]);
    assert.equal(site.type, 'kubernetes.io/tls');
    assert.match(Buffer.from(site.data['tls.crt'], 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
  });

  test('create deployment with --replicas', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['deployment', 'shop', '-n', ns, '--image=nginx:1.27', '--replicas=3'], 'deployment.apps/shop');
    const shop = await stored(kubectl, ['deploy', 'shop', '-n', ns]);
    assert.equal(shop.spec.replicas, 3);
    assert.deepEqual(shop.spec.selector, { matchLabels: { app: 'shop' } });
    assert.equal(shop.spec.template.spec.containers[0].image, 'nginx:1.27');
    // Defaults apply to what kubectl left unset, as they would for JSON.
    assert.equal(shop.spec.strategy.type, 'RollingUpdate');
    assert.equal(shop.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  });

  test('create deployment --replicas=0 keeps the explicit zero', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['deployment', 'idle', '-n', ns, '--image=nginx', '--replicas=0'], 'deployment.apps/idle');
    const idle = await stored(kubectl, ['deploy', 'idle', '-n', ns]);
    assert.equal(idle.spec.replicas, 0);
  });

  test('create service clusterip, headless, nodeport, loadbalancer and externalname', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['service', 'clusterip', 'cip', '-n', ns, '--tcp=80:8080'], 'service/cip');
    const cip = await stored(kubectl, ['svc', 'cip', '-n', ns]);
    assert.equal(cip.spec.type, 'ClusterIP');
    assert.deepEqual(cip.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.protocol]), [['80-8080', 80, 8080, 'TCP']]);
    assert.match(cip.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);

    await create(kubectl, ['service', 'clusterip', 'headless', '-n', ns, '--clusterip=None'], 'service/headless');
    assert.equal((await stored(kubectl, ['svc', 'headless', '-n', ns])).spec.clusterIP, 'None');

    await create(kubectl, ['service', 'nodeport', 'np', '-n', ns, '--tcp=80:8080'], 'service/np');
    const np = await stored(kubectl, ['svc', 'np', '-n', ns]);
    assert.equal(np.spec.type, 'NodePort');
    assert.ok(np.spec.ports[0].nodePort >= 30000, `allocated nodePort ${np.spec.ports[0].nodePort}`);

    await create(kubectl, ['service', 'loadbalancer', 'lb', '-n', ns, '--tcp=443:8443'], 'service/lb');
    assert.equal((await stored(kubectl, ['svc', 'lb', '-n', ns])).spec.type, 'LoadBalancer');

    await create(kubectl, ['service', 'externalname', 'ext', '-n', ns, '--external-name=example.com'], 'service/ext');
    const ext = await stored(kubectl, ['svc', 'ext', '-n', ns]);
    assert.equal(ext.spec.type, 'ExternalName');
    assert.equal(ext.spec.externalName, 'example.com');
  });

  test('create job and create cronjob', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['job', 'once', '-n', ns, '--image=busybox', '--', 'echo', 'hi'], 'job.batch/once');
    const job = await stored(kubectl, ['job', 'once', '-n', ns]);
    assert.deepEqual(job.spec.template.spec.containers[0].command, ['echo', 'hi']);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');

    await create(kubectl, ['cronjob', 'tick', '-n', ns, '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], 'cronjob.batch/tick');
    const cron = await stored(kubectl, ['cronjob', 'tick', '-n', ns]);
    assert.equal(cron.spec.schedule, '*/5 * * * *');
    assert.deepEqual(cron.spec.jobTemplate.spec.template.spec.containers[0].command, ['date']);
  });

  test('create serviceaccount and create quota', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['serviceaccount', 'robot', '-n', ns], 'serviceaccount/robot');
    assert.equal((await stored(kubectl, ['sa', 'robot', '-n', ns])).metadata.name, 'robot');

    await create(kubectl, ['quota', 'q', '-n', ns, '--hard=pods=10,cpu=2,memory=1Gi'], 'resourcequota/q');
    assert.deepEqual((await stored(kubectl, ['quota', 'q', '-n', ns])).spec.hard, { cpu: '2', memory: '1Gi', pods: '10' });
  });

  test('create priorityclass, including --value=0', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['priorityclass', `${ns}-high`, '--value=1000', '--description=important'], `priorityclass.scheduling.k8s.io/${ns}-high`);
    const high = await stored(kubectl, ['priorityclass', `${ns}-high`]);
    assert.equal(high.value, 1000);
    assert.equal(high.description, 'important');

    await create(kubectl, ['priorityclass', `${ns}-zero`, '--value=0'], `priorityclass.scheduling.k8s.io/${ns}-zero`);
    assert.equal((await stored(kubectl, ['priorityclass', `${ns}-zero`])).value, 0);
  });

  test('create pdb with --min-available and --max-unavailable', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ['pdb', 'floor', '-n', ns, '--selector=app=shop', '--min-available=1'], 'poddisruptionbudget.policy/floor');
    const floor = await stored(kubectl, ['pdb', 'floor', '-n', ns]);
    assert.equal(floor.spec.minAvailable, 1);
    assert.deepEqual(floor.spec.selector, { matchLabels: { app: 'shop' } });

    await create(kubectl, ['pdb', 'ceiling', '-n', ns, '--selector=app=shop', '--max-unavailable=50%'], 'poddisruptionbudget.policy/ceiling');
    assert.equal((await stored(kubectl, ['pdb', 'ceiling', '-n', ns])).spec.maxUnavailable, '50%');
  });

  test('a malformed protobuf body is a 400 and stores nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const headers = { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' };
    const notProtobuf = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { body: '{"kind":"ConfigMap"}', headers });
    assert.equal(notProtobuf.status, 400);
    assert.match(notProtobuf.json.message, /protobuf/);
    // The magic, then a runtime.Unknown whose typeMeta claims 100 bytes it does not have.
    const truncated = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x64, 0x0a, 0x02])]);
    const cut = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { body: truncated, headers });
    assert.equal(cut.status, 400);
    assert.equal(cut.json.reason, 'BadRequest');
    const listed = await kubectl(['get', 'cm', '-n', ns, '-o', 'name']);
    assert.equal(listed.stdout, '');
  });
});
