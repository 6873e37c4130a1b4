/**
 * Creating objects from manifests with kubectl: `create -f` (several documents), client-side
 * `apply` (idempotent, then configured), the imperative `create` commands (protobuf bodies), and
 * kubectl's default `--validate=strict` handing unknown fields to the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function configMap(name: string, data: Record<string, string>, extra = ''): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n${lines.join('\n')}\n`;
}

describe('kubectl create -f', () => {
  test('creates every document of a multi-document YAML file', async (t) => {
    const { ns, kubectl, writeFile } = await cluster.scope(t);
    const file = await writeFile(
      'objects.yaml',
      [
        configMap('first', { a: '1' }),
        configMap('second', { b: '2' }),
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: third\nstringData:\n  password: hunter2\n`,
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n`,
      ].join('---\n'),
    );
    const created = await kubectl(['create', '-n', ns, '-f', file]);
    assert.equal(created.stderr, '');
    assert.equal(created.code, 0);
    assert.equal(
      created.stdout,
      'configmap/first created\nconfigmap/second created\nsecret/third created\ndeployment.apps/web created\n',
    );

    const names = await kubectl(['get', '-n', ns, 'configmaps,secrets,deployments', '-o', 'name']);
    assert.equal(names.code, 0, names.stderr);
    for (const n of ['configmap/first', 'configmap/second', 'secret/third', 'deployment.apps/web']) {
      assert.match(names.stdout, new RegExp(`^${n}$`, 'm'));
    }
    const secret = await kubectl(['get', '-n', ns, 'secret', 'third', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(secret.stdout, 'base64').toString(), 'hunter2', 'stringData is folded into data');
  });

  test('creates every item of a kind: List (what kubectl get -o yaml prints)', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const items = ['one', 'two'].map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } }));
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    assert.equal(created.stderr, '');
    assert.equal(created.stdout, 'configmap/one created\nconfigmap/two created\n');

    const exported = await kubectl(['get', 'cm', '-n', ns, '-o', 'yaml']);
    const applied = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: exported.stdout });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^configmap\/one configured$/m);
  });

  test('creates from stdin and fills in server-side metadata', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'json'], { stdin: configMap('from-stdin', { k: 'v' }) });
    assert.equal(created.code, 0, created.stderr);
    const obj = JSON.parse(created.stdout);
    assert.equal(obj.metadata.namespace, ns);
    assert.match(obj.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(obj.metadata.resourceVersion, /^\d+$/);
    assert.ok(!Number.isNaN(Date.parse(obj.metadata.creationTimestamp)), 'creationTimestamp is a timestamp');
  });

  test('generateName gives each object a new name', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\ndata:\n  k: v\n`;
    const one = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'name'], { stdin: manifest });
    const two = await kubectl(['create', '-n', ns, '-f', '-', '-o', 'name'], { stdin: manifest });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.match(one.stdout.trim(), /^configmap\/gen-[a-z0-9]{5}$/);
    assert.match(two.stdout.trim(), /^configmap\/gen-[a-z0-9]{5}$/);
    assert.notEqual(one.stdout, two.stdout);
  });
});

describe('kubectl apply -f', () => {
  test('creates, then reports unchanged, then configured when a field changes', async (t) => {
    const { ns, kubectl, writeFile } = await cluster.scope(t);
    const file = await writeFile('app.yaml', configMap('settings', { mode: 'fast' }) + '---\n' + configMap('other', { x: 'y' }));

    const first = await kubectl(['apply', '-n', ns, '-f', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'configmap/settings created\nconfigmap/other created\n');

    const second = await kubectl(['apply', '-n', ns, '-f', file]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'configmap/settings unchanged\nconfigmap/other unchanged\n');

    await writeFile('app.yaml', configMap('settings', { mode: 'slow' }) + '---\n' + configMap('other', { x: 'y' }));
    const third = await kubectl(['apply', '-n', ns, '-f', file]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout, 'configmap/settings configured\nconfigmap/other unchanged\n');

    const value = await kubectl(['get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.data.mode}']);
    assert.equal(value.stdout, 'slow');
    const lastApplied = await kubectl(['apply', 'view-last-applied', 'cm/settings', '-n', ns, '-o', 'json']);
    assert.equal(lastApplied.code, 0, lastApplied.stderr);
    assert.equal(JSON.parse(lastApplied.stdout).data.mode, 'slow');
  });

  test('apply of a Deployment is idempotent and removes a field dropped from the manifest', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const deployment = (labels: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {${labels}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: busybox:1.36\n        ports:\n        - containerPort: 8080\n`;
    const first = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: deployment('app: api, tier: backend') });
    assert.equal(first.stdout, 'deployment.apps/api created\n', first.stderr);
    const again = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: deployment('app: api, tier: backend') });
    assert.equal(again.stdout, 'deployment.apps/api unchanged\n', again.stderr);
    const dropped = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: deployment('app: api') });
    assert.equal(dropped.stdout, 'deployment.apps/api configured\n', dropped.stderr);
    const labels = await kubectl(['get', 'deploy', 'api', '-n', ns, '-o', 'jsonpath={.metadata.labels}']);
    assert.deepEqual(JSON.parse(labels.stdout), { app: 'api' });
  });

  test('apply drops a container removed from the manifest and keeps the others in order', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const controller = (containers: string[], env: string) => JSON.stringify({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: {
        replicas: 1,
        selector: { app: 'rc' },
        template: {
          metadata: { labels: { app: 'rc' } },
          spec: { containers: containers.map((name) => ({ name, image: 'busybox:1.36', env: [{ name: 'MODE', value: env }] })) },
        },
      },
    });
    const first = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: controller(['a', 'b', 'c'], 'one') });
    assert.equal(first.code, 0, first.stderr);
    const second = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: controller(['c', 'a'], 'two') });
    assert.equal(second.stdout, 'replicationcontroller/rc configured\n', second.stderr);
    const got = await kubectl(['get', 'rc', 'rc', '-n', ns, '-o', 'jsonpath={range .spec.template.spec.containers[*]}{.name}={.env[0].value} {end}']);
    assert.equal(got.stdout, 'c=two a=two ');
  });

  test('an unknown field fails strict validation on the server, nothing is created', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\nbogus: true\ndata:\n  k: v\n`;
    const applied = await kubectl(['apply', '-n', ns, '-f', '-'], { stdin: manifest });
    assert.notEqual(applied.code, 0);
    assert.match(applied.stderr, /^Error from server \(BadRequest\): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"$/m);
    const get = await kubectl(['get', 'cm', 'typo', '-n', ns]);
    assert.match(get.stderr, /configmaps "typo" not found/);
  });

  test('a nested unknown field is named by its path', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: nested\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicyy: Always\n`;
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest });
    assert.notEqual(created.code, 0);
    assert.match(created.stderr, /Error from server \(BadRequest\): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.containers\[0\]\.imagePullPolicyy"/);
  });

  test('--validate=false lets the server drop the unknown field', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lax\nbogus: true\ndata:\n  k: v\n`;
    const created = await kubectl(['create', '-n', ns, '--validate=false', '-f', '-'], { stdin: manifest });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'configmap/lax created\n');
  });

  test('--validate=warn creates the object and prints the server warning', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: warned\nbogus: true\ndata:\n  k: v\n`;
    const created = await kubectl(['create', '-n', ns, '--validate=warn', '-f', '-'], { stdin: manifest });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'configmap/warned created\n');
    assert.match(created.stderr, /Warning: unknown field "bogus"/);
  });
});
