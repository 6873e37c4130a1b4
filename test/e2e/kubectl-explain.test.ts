/**
 * `kubectl explain`, which reads /openapi/v3: field docs for the fields users read most, a
 * generated line for the rest, and `--recursive` field trees for every served kind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../src/api/catalogue.ts';
import { apiVersionOf } from '../../src/api/resource.ts';
import { startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function explain(kubectl: Kubectl, args: string[]): Promise<string> {
  const r = await kubectl(['explain', ...args]);
  assert.equal(r.code, 0, `kubectl explain ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('kubectl explain', () => {
  test('deployment.spec.strategy prints its field docs and its fields', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const out = await explain(kubectl, ['deployment.spec.strategy']);
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^FIELD: strategy <DeploymentStrategy>$/m);
    assert.match(out, /How to replace old Pods with new ones when the template changes/);
    assert.match(out, /^  rollingUpdate\t<RollingUpdateDeployment>$/m);
    assert.match(out, /Pacing of a RollingUpdate/);
    assert.match(out, /^  type\t<string>$/m);
  });

  test('a kind prints its own description; a field without one points to the API reference', async (t) => {
    const { kubectl } = await cluster.scope(t);
    assert.match(await explain(kubectl, ['pods']), /A Pod is one or more containers that run together on one node/);
    assert.match(await explain(kubectl, ['pods.metadata.labels']), /Key-value pairs for organising and selecting objects/);
    assert.match(await explain(kubectl, ['pods.spec.overhead']), /overhead is a map from string keys to quantity.*See the Kubernetes API reference/s);
  });

  test('--recursive prints the field tree of every served kind', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const deployment = await explain(kubectl, ['deployment', '--recursive']);
    assert.match(deployment, /^ +maxSurge\t<IntOrString>$/m);
    for (const r of catalogue.filter((x) => x.verbs.includes('get'))) {
      const resource = r.plural;
      const out = await explain(kubectl, [resource, `--api-version=${apiVersionOf(r)}`, '--recursive']);
      assert.match(out, new RegExp(`^KIND:\\s+${r.kind}$`, 'm'), resource);
      assert.match(out, /^FIELDS:$/m, resource);
    }
  });
});
