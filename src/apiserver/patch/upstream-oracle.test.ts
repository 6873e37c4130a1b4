/**
 * kubectl carries upstream's own patch code: `kubectl patch --local` applies a patch to a file
 * with it, no server involved. For each case here our result must be the one kubectl prints
 * (the same object, or the same error message). Skipped where kubectl is not installed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './index.ts';
import { StatusError } from '../errors.ts';

const run = promisify(execFile);
const kubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
const schema = await import('../../api/schema/index.ts').catch(() => undefined);
const skip = !kubectl ? 'kubectl is not installed' : !schema ? 'src/api/schema/index.ts is not there yet' : false;

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/a', 'example.com/b'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.25',
            imagePullPolicy: 'IfNotPresent',
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
          },
          { name: 'injected', image: 'proxy' },
          { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
        ],
        volumes: [{ name: 'cache', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
};
const podSpec = (spec: unknown) => ({ spec: { template: { spec } } });

const cases: Record<string, [type: string, patch: unknown][]> = {
  strategic: [
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'nginx', image: 'nginx:1.26' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'log', image: 'x' }, { name: 'log2', image: 'y' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'sidecar', $patch: 'delete' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'nginx', image: 'x' }, { $patch: 'replace' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'new' }, { name: 'nginx' }], containers: [{ name: 'new', image: 'n' }] })],
    [
      STRATEGIC_MERGE_PATCH,
      podSpec({
        '$setElementOrder/containers': [{ name: 'nginx' }],
        containers: [
          { '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }], env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }], image: 'nginx:1.26', name: 'nginx' },
          { $patch: 'delete', name: 'sidecar' },
        ],
      }),
    ],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'nginx', ports: [{ containerPort: 8080 }, { containerPort: 443, name: 'https' }] }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ volumes: [{ name: 'cache', $retainKeys: ['configMap', 'name'], configMap: { name: 's' } }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ volumes: [{ name: 'new', emptyDir: {} }], tolerations: [{ key: 'b', operator: 'Exists' }] })],
    [STRATEGIC_MERGE_PATCH, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }],
    [STRATEGIC_MERGE_PATCH, { spec: { strategy: { $patch: 'delete' } }, metadata: { labels: { $patch: 'replace', x: 'y' } } }],
    [STRATEGIC_MERGE_PATCH, { metadata: { finalizers: ['example.com/c', 'example.com/a'] } }],
    [STRATEGIC_MERGE_PATCH, { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'], finalizers: ['example.com/z'] } }],
    [STRATEGIC_MERGE_PATCH, { metadata: { '$setElementOrder/finalizers': ['example.com/b'], '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }],
    [STRATEGIC_MERGE_PATCH, { metadata: { labels: { app: null, n: '1' }, annotations: { a: '1', b: null } } }],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'nginx', env: [{ name: 'B', $patch: 'delete' }, { name: 'B', value: 'again' }] }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ name: 'nginx', $patch: 'frob' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ containers: [{ image: 'x' }] })],
    [STRATEGIC_MERGE_PATCH, podSpec({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', image: 'x' }] })],
  ],
  json: [
    [JSON_PATCH, [{ op: 'replace', path: '/spec/replicas', value: 5 }, { op: 'add', path: '/metadata/labels/x', value: 'y' }]],
    [JSON_PATCH, [{ op: 'replace', path: '/spec/paused', value: true }]],
    [JSON_PATCH, [{ op: 'add', path: '/spec/foo/bar', value: 1 }]],
    [JSON_PATCH, [{ op: 'remove', path: '/metadata/labels/nope' }]],
    [JSON_PATCH, [{ op: 'add', path: '/spec/template/spec/containers/9', value: { name: 'q', image: 'q' } }]],
    [JSON_PATCH, [{ op: 'add', path: '/spec/template/spec/containers/x', value: {} }]],
    [JSON_PATCH, [{ op: 'test', path: '/spec/nope', value: 3 }]],
    [JSON_PATCH, [{ op: 'move', from: '/metadata/labels/zz', path: '/metadata/labels/b' }]],
    [JSON_PATCH, [{ op: 'copy', from: '/metadata/labels', path: '/spec/template/metadata/annotations' }]],
    [JSON_PATCH, [{ op: 'add', path: '/metadata/annotations', value: { 'a~b/c': '1' } }, { op: 'replace', path: '/metadata/annotations/a~0b~1c', value: '2' }]],
    [JSON_PATCH, { op: 'add' }],
    [JSON_PATCH, [{ op: 'frob', path: '/spec' }]],
  ],
  merge: [
    [MERGE_PATCH, { metadata: { labels: { app: null, x: 'y' } }, spec: { replicas: 3 } }],
    [MERGE_PATCH, podSpec({ containers: [{ name: 'only', image: 'x', env: [{ name: 'A', value: null }] }] })],
    [MERGE_PATCH, null],
  ],
};

const KUBECTL_TYPE: Record<string, string> = { [STRATEGIC_MERGE_PATCH]: 'strategic', [JSON_PATCH]: 'json', [MERGE_PATCH]: 'merge' };

/** Sorted keys, no null members: the form kubectl prints after its typed round trip. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== null).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

async function upstream(file: string, type: string, patch: unknown): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['patch', '--local', '-f', file, '-o', 'json', '--type', KUBECTL_TYPE[type], '-p', JSON.stringify(patch)]);
    return canonical(JSON.parse(stdout));
  } catch (err) {
    return `error: ${String((err as { stderr?: string }).stderr ?? err).trim().replace(/^error: /, '')}`;
  }
}

function ours(type: string, patch: unknown): string {
  try {
    return canonical(applyPatch(type, deployment, patch, schema!.typeForKind('apps', 'v1', 'Deployment'), schema!.typeByName));
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${err}`);
    return `error: ${(err.details?.causes?.[0]?.message ?? err.message).trim()}`;
  }
}

describe('patches agree with kubectl patch --local', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-patch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'deployment.json');
  writeFileSync(file, JSON.stringify(deployment));
  for (const [kind, list] of Object.entries(cases)) {
    test(`${kind} patches`, async () => {
      const expected = await Promise.all(list.map(([type, patch]) => upstream(file, type, patch)));
      list.forEach(([type, patch], i) => assert.equal(ours(type, patch), expected[i], `patch ${JSON.stringify(patch)}`));
    });
  }
});
