/**
 * What kubectl learns about the cluster: api-resources, api-versions, version, cluster-info,
 * auth whoami, and the namespaces every cluster starts with.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, stripAnsi, type Cluster } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

describe('discovery through kubectl', () => {
  test('api-resources lists every kind with its short names, version, scope and kind', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const listed = await kubectl(['api-resources']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    const expected: [string, string, string, boolean, string][] = [
      ['pods', 'po', 'v1', true, 'Pod'],
      ['services', 'svc', 'v1', true, 'Service'],
      ['namespaces', 'ns', 'v1', false, 'Namespace'],
      ['nodes', 'no', 'v1', false, 'Node'],
      ['configmaps', 'cm', 'v1', true, 'ConfigMap'],
      ['endpoints', 'ep', 'v1', true, 'Endpoints'],
      ['replicationcontrollers', 'rc', 'v1', true, 'ReplicationController'],
      ['secrets', '', 'v1', true, 'Secret'],
      ['events', 'ev', 'v1', true, 'Event'],
      ['serviceaccounts', 'sa', 'v1', true, 'ServiceAccount'],
      ['persistentvolumes', 'pv', 'v1', false, 'PersistentVolume'],
      ['persistentvolumeclaims', 'pvc', 'v1', true, 'PersistentVolumeClaim'],
      ['resourcequotas', 'quota', 'v1', true, 'ResourceQuota'],
      ['limitranges', 'limits', 'v1', true, 'LimitRange'],
      ['deployments', 'deploy', 'apps/v1', true, 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', true, 'ReplicaSet'],
      ['daemonsets', 'ds', 'apps/v1', true, 'DaemonSet'],
      ['statefulsets', 'sts', 'apps/v1', true, 'StatefulSet'],
      ['endpointslices', '', 'discovery.k8s.io/v1', true, 'EndpointSlice'],
      ['leases', '', 'coordination.k8s.io/v1', true, 'Lease'],
      ['events', 'ev', 'events.k8s.io/v1', true, 'Event'],
      ['poddisruptionbudgets', 'pdb', 'policy/v1', true, 'PodDisruptionBudget'],
      ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', false, 'PriorityClass'],
      ['jobs', '', 'batch/v1', true, 'Job'],
      ['cronjobs', 'cj', 'batch/v1', true, 'CronJob'],
    ];
    for (const [name, short, version, namespaced, kind] of expected) {
      const cells = [name, short, version.replace(/[./]/g, '\\$&'), String(namespaced), kind].filter((c) => c !== '');
      assert.match(listed.stdout, new RegExp(`^${cells.join('\\s+')}$`, 'm'), `api-resources row for ${name} (${version})`);
    }
  });

  test('api-resources -o wide shows verbs and categories', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const wide = await kubectl(['api-resources', '-o', 'wide', '--api-group=apps']);
    assert.equal(wide.code, 0, wide.stderr);
    const row = wide.stdout.split('\n').find((l) => l.startsWith('deployments '));
    assert.ok(row, wide.stdout);
    const [, verbs, categories] = row.match(/Deployment\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*$/) ?? [];
    assert.deepEqual(verbs?.replace(/[[\]]/g, '').split(/[ ,]/).sort(), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.equal(categories, 'all');
  });

  test('api-versions lists every served group version', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const versions = await kubectl(['api-versions']);
    assert.equal(versions.code, 0, versions.stderr);
    const lines = versions.stdout.trim().split('\n');
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1', 'policy/v1', 'scheduling.k8s.io/v1']) {
      assert.ok(lines.includes(gv), `${gv} in:\n${versions.stdout}`);
    }
  });

  test('version prints a semver server version', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const version = await kubectl(['version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^Server Version: v1\.\d+\.\d+\S*$/m);
    const json = JSON.parse((await kubectl(['version', '-o', 'json'])).stdout);
    assert.match(json.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
    assert.equal(json.serverVersion.major, '1');
  });

  test('cluster-info names the control plane URL', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const info = await kubectl(['cluster-info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(stripAnsi(info.stdout), new RegExp(`^Kubernetes control plane is running at https://127\\.0\\.0\\.1:${cluster.controlPlane.port}$`, 'm'));
  });

  test('auth whoami names the admin user', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const whoami = await kubectl(['auth', 'whoami']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /^ATTRIBUTE\s+VALUE$/m);
    assert.match(whoami.stdout, /^Username\s+\S+$/m);
    assert.match(whoami.stdout, /^Groups\s+\[.*\bsystem:authenticated\b.*\]$/m);
  });
});

describe('namespaces', () => {
  test('default, kube-system, kube-public and kube-node-lease exist and are Active', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const builtIn = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
    const got = await kubectl(['get', 'ns', ...builtIn, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, builtIn.map((n) => `${n} Active\n`).join(''));
  });

  test('creating in a missing namespace fails with NotFound for the namespace', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan', namespace: 'nope' } });
    const created = await kubectl(['create', '-f', '-'], { stdin: manifest });
    assert.notEqual(created.code, 0);
    assert.equal(created.stderr, 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found\n');
  });

  test('describe namespace shows its status and no quota', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const described = await kubectl(['describe', 'ns', ns]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, new RegExp(`^Name:\\s+${ns}$`, 'm'));
    assert.match(described.stdout, /^Status:\s+Active$/m);
    assert.match(described.stdout, /^No resource quota\.$/m);
    assert.match(described.stdout, /^No LimitRange resource\.$/m);
  });
});
