/**
 * Reading with `kubectl get`: the server's tables (plain and wide), the client-side output
 * formats, label and field selectors, all namespaces, labels, chunked lists, `get all`, short names,
 * and `get -w` following changes as they happen.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentManifest, manifests, startCluster, tableRows, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function pod(name: string, options: { labels?: Record<string, string>; nodeName?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: options.labels },
    spec: { nodeName: options.nodeName, containers: [{ name: 'main', image: 'busybox:1.36' }] },
  });
}

async function create(kubectl: Kubectl, ns: string, manifest: string): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest });
  assert.equal(r.code, 0, r.stderr);
}

/** ConfigMaps labelled for the selector tests: a(env=a,app=x,tier=front) b(env=b,app=y) c(env=c,app=z,tier=back). */
async function labelledConfigMaps(kubectl: Kubectl, ns: string): Promise<void> {
  const items = [
    { name: 'a', labels: { env: 'a', app: 'x', tier: 'front' } },
    { name: 'b', labels: { env: 'b', app: 'y' } },
    { name: 'c', labels: { env: 'c', app: 'z', tier: 'back' } },
  ].map(({ name, labels }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: name } }));
  await create(kubectl, ns, manifests(...items));
}

async function names(kubectl: Kubectl, args: string[]): Promise<string> {
  const r = await kubectl([...args, '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('kubectl get output', () => {
  test('pods table, plain and wide', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('web-0', { nodeName: 'node-a' }));
    const plain = await kubectl(['get', 'pods', '-n', ns]);
    assert.equal(plain.code, 0, plain.stderr);
    const rows = tableRows(plain.stdout);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(rows[1].slice(0, 4), ['web-0', '0/1', 'Pending', '0']);
    assert.match(rows[1][4], /^\d+s$/);

    const wide = await kubectl(['get', 'pods', '-n', ns, '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const wideRows = tableRows(wide.stdout);
    assert.deepEqual(wideRows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual(
      [...wideRows[1].slice(0, 4), ...wideRows[1].slice(5)],
      ['web-0', '0/1', 'Pending', '0', '<none>', 'node-a', '<none>', '<none>'],
    );
  });

  test('deployment, service and configmap tables', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, JSON.stringify(deploymentManifest('web', 'nginx:1.27', 2)));
    await create(kubectl, ns, JSON.stringify({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    }));
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' }, data: { a: '1', b: '2' } }));

    const deploy = tableRows((await kubectl(['get', 'deploy', '-n', ns, '-o', 'wide'])).stdout);
    assert.deepEqual(deploy[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual([...deploy[1].slice(0, 4), ...deploy[1].slice(5)], ['web', '0/2', '0', '0', 'nginx', 'nginx:1.27', 'app=web']);

    const svc = tableRows((await kubectl(['get', 'svc', '-n', ns, '-o', 'wide'])).stdout);
    assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    assert.equal(svc[1][0], 'web');
    assert.equal(svc[1][1], 'ClusterIP');
    assert.match(svc[1][2], /^10\.43\.\d+\.\d+$/);
    assert.deepEqual([svc[1][3], svc[1][4], svc[1][6]], ['<none>', '80/TCP', 'app=web']);

    const cm = tableRows((await kubectl(['get', 'cm', 'two', '-n', ns])).stdout);
    assert.deepEqual(cm[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(cm[1].slice(0, 2), ['two', '2']);
  });

  test('-o yaml, -o json, -o name, jsonpath and custom-columns', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await labelledConfigMaps(kubectl, ns);

    const yaml = await kubectl(['get', 'cm', 'a', '-n', ns, '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^apiVersion: v1$/m);
    assert.match(yaml.stdout, /^kind: ConfigMap$/m);
    assert.match(yaml.stdout, /^ {2}name: a$/m);
    assert.match(yaml.stdout, /^ {2}namespace: /m);

    const json = await kubectl(['get', 'cm', '-n', ns, '-o', 'json']);
    const list = JSON.parse(json.stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((i: any) => [i.kind, i.apiVersion, i.metadata.name]), [
      ['ConfigMap', 'v1', 'a'], ['ConfigMap', 'v1', 'b'], ['ConfigMap', 'v1', 'c'],
    ]);

    const name = await kubectl(['get', 'cm', '-n', ns, '-o', 'name']);
    assert.equal(name.stdout, 'configmap/a\nconfigmap/b\nconfigmap/c\n');

    const jsonpath = await kubectl(['get', 'cm', '-n', ns, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.data.k}{"\\n"}{end}']);
    assert.equal(jsonpath.stdout, 'a=a\nb=b\nc=c\n');

    const columns = await kubectl(['get', 'cm', '-n', ns, '-o', 'custom-columns=NAME:.metadata.name,ENV:.metadata.labels.env,TIER:.metadata.labels.tier']);
    assert.deepEqual(tableRows(columns.stdout), [['NAME', 'ENV', 'TIER'], ['a', 'a', 'front'], ['b', 'b', '<none>'], ['c', 'c', 'back']]);
  });

  test('--show-labels adds a LABELS column', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await labelledConfigMaps(kubectl, ns);
    const shown = await kubectl(['get', 'cm', 'a', '-n', ns, '--show-labels']);
    const rows = tableRows(shown.stdout);
    assert.deepEqual(rows[0], ['NAME', 'DATA', 'AGE', 'LABELS']);
    assert.equal(rows[1][3], 'app=x,env=a,tier=front');
  });

  test('a list larger than --chunk-size arrives whole (limit and continue)', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const items = Array.from({ length: 7 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } }));
    await create(kubectl, ns, manifests(...items));
    const listed = await kubectl(['get', 'cm', '-n', ns, '--chunk-size=2', '-o', 'name']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.stdout.trim().split('\n'), items.map((i) => `configmap/${i.metadata.name}`));
    const table = await kubectl(['get', 'cm', '-n', ns, '--chunk-size=3']);
    assert.equal(tableRows(table.stdout).length, 8, table.stdout);
  });

  test('namespaces table', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const rows = tableRows((await kubectl(['get', 'ns', ns])).stdout);
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'AGE']);
    assert.deepEqual(rows[1].slice(0, 2), [ns, 'Active']);
  });

  test('an empty namespace says so', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const empty = await kubectl(['get', 'pods', '-n', ns]);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, `No resources found in ${ns} namespace.\n`);
  });
});

describe('kubectl get with selectors', () => {
  test('label selectors: equality and set-based', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await labelledConfigMaps(kubectl, ns);
    const cases: [string, string][] = [
      ['env=a', 'a'],
      ['env==b', 'b'],
      ['app!=x', 'b c'],
      ['env in (a,b)', 'a b'],
      ['env notin (a)', 'b c'],
      ['tier', 'a c'],
      ['!tier', 'b'],
      ['app in (x,z),tier=back', 'c'],
    ];
    const results = await Promise.all(cases.map(([selector]) => names(kubectl, ['get', 'cm', '-n', ns, '-l', selector])));
    cases.forEach(([selector, expected], i) => assert.equal(results[i], expected, `-l '${selector}'`));
  });

  test('field selectors: metadata.name, status.phase and spec.nodeName', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('pending'));
    await create(kubectl, ns, pod('running', { nodeName: 'node-a' }));
    const patched = await kubectl(['patch', 'pod', 'running', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
    assert.equal(patched.code, 0, patched.stderr);

    assert.equal(await names(kubectl, ['get', 'pods', '-n', ns, '--field-selector', 'metadata.name=running']), 'running');
    assert.equal(await names(kubectl, ['get', 'pods', '-n', ns, '--field-selector', 'status.phase=Pending']), 'pending');
    assert.equal(await names(kubectl, ['get', 'pods', '-n', ns, '--field-selector', 'status.phase!=Pending']), 'running');
    assert.equal(await names(kubectl, ['get', 'pods', '-n', ns, '--field-selector', 'spec.nodeName=node-a']), 'running');
    assert.equal(await names(kubectl, ['get', 'pods', '-n', ns, '--field-selector', 'spec.nodeName=']), 'pending');
  });

  test('field selectors: a secret\'s type and an event\'s involvedObject', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, manifests(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, stringData: { a: 'b' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'login' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'u', password: 'p' } },
      ...['a', 'b'].map((target) => ({
        apiVersion: 'v1', kind: 'Event', metadata: { name: `ev-${target}` },
        involvedObject: { kind: 'Pod', namespace: ns, name: target }, reason: 'Test', message: target,
      })),
    ));
    assert.equal(await names(kubectl, ['get', 'secrets', '-n', ns, '--field-selector', 'type=kubernetes.io/basic-auth']), 'login');
    assert.equal(await names(kubectl, ['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=b,involvedObject.kind=Pod']), 'ev-b');
  });

  test('-A lists every namespace with a NAMESPACE column', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const other = `${ns}-b`;
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } }));
    const shared = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', labels: { mark: ns } } });
    await create(kubectl, ns, shared);
    await create(kubectl, other, shared);
    const all = await kubectl(['get', 'cm', '-A', '-l', `mark=${ns}`]);
    assert.equal(all.code, 0, all.stderr);
    const rows = tableRows(all.stdout);
    assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
    assert.deepEqual(rows.slice(1).map((r) => r.slice(0, 2).join(' ')).sort(), [`${ns} shared`, `${other} shared`]);
  });
});

describe('kubectl get across kinds', () => {
  test('get all lists the workload kinds, not configmaps', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('lonely'));
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'front' }, spec: { ports: [{ port: 80 }] } }));
    await create(kubectl, ns, JSON.stringify(deploymentManifest('api', 'busybox')));
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hidden' } }));
    const all = await kubectl(['get', 'all', '-n', ns]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^pod\/lonely\s+0\/1\s+Pending/m);
    assert.match(all.stdout, /^service\/front\s+ClusterIP\s+10\.43\./m);
    assert.match(all.stdout, /^deployment\.apps\/api\s+0\/1/m);
    assert.doesNotMatch(all.stdout, /hidden/);
  });

  test('every upstream short name resolves', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const shortNames = ['po', 'svc', 'deploy', 'rs', 'rc', 'ns', 'no', 'cm', 'ep', 'sa', 'pvc', 'pv', 'ds', 'sts', 'cj', 'pdb', 'pc', 'ev', 'quota', 'limits', 'secrets', 'jobs', 'leases', 'endpointslices'];
    const results = await Promise.all(shortNames.map((s) => kubectl(['get', s, '-n', ns, '-o', 'name'])));
    shortNames.forEach((s, i) => assert.equal(results[i].code, 0, `kubectl get ${s}: ${results[i].stderr}`));
    const nsNames = results[shortNames.indexOf('ns')].stdout;
    assert.match(nsNames, new RegExp(`^namespace/${ns}$`, 'm'));
  });

  test('a combined get of two kinds prints both sections', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('p'));
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    const both = await kubectl(['get', 'po,cm', '-n', ns, '-o', 'name']);
    assert.equal(both.stdout, 'pod/p\nconfigmap/c\n');
  });
});

describe('kubectl get -w', () => {
  test('prints the existing rows, then new objects as they are created', async (t) => {
    const { ns, kubectl, stream } = await cluster.scope(t);
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' }, data: { a: '1' } }));
    const watch = stream(['get', 'cm', '-n', ns, '-w']);
    await watch.waitForOutput(/^before\s+1\s+\S+$/m);
    await create(kubectl, ns, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'during' }, data: { a: '1', b: '2' } }));
    await watch.waitForOutput(/^during\s+2\s+\S+$/m);
    assert.match(watch.output(), /^NAME\s+DATA\s+AGE$/m);
  });

  test('--output-watch-events shows ADDED, MODIFIED and DELETED', async (t) => {
    const { ns, kubectl, stream } = await cluster.scope(t);
    const watch = stream(['get', 'pods', '-n', ns, '-w', '--output-watch-events']);
    await create(kubectl, ns, pod('watched'));
    await watch.waitForOutput(/^ADDED\s+watched\s+0\/1\s+Pending\s+0\s+\S+$/m);
    assert.equal((await kubectl(['label', 'pod', 'watched', '-n', ns, 'seen=yes'])).code, 0);
    await watch.waitForOutput(/^MODIFIED\s+watched\s+0\/1\s+Pending/m);
    assert.equal((await kubectl(['delete', 'pod', 'watched', '-n', ns])).code, 0);
    await watch.waitForOutput(/^DELETED\s+watched\s/m);
    assert.match(watch.output(), /^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
  });
});
