import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPluginNames, parseSchedulerConfiguration, readSchedulerConfiguration, SchedulerConfigError } from './config.ts';

const head = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration' };

test('a full configuration is read as written', () => {
  const config = parseSchedulerConfiguration({
    ...head,
    percentageOfNodesToScore: 20,
    podMaxBackoffSeconds: 20,
    leaderElection: { leaderElect: true },
    profiles: [
      {
        schedulerName: 'default-scheduler',
        plugins: { score: { enabled: [{ name: 'NodeResourcesBalancedAllocation', weight: 5 }], disabled: [{ name: 'ImageLocality' }] } },
        pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
      },
      { schedulerName: 'batch', percentageOfNodesToScore: 100 },
    ],
  });
  assert.equal(config.percentageOfNodesToScore, 20);
  assert.equal(config.podMaxBackoffSeconds, 20);
  assert.deepEqual(config.profiles.map((p) => p.schedulerName), ['default-scheduler', 'batch']);
  assert.deepEqual(config.profiles[0].plugins?.score, { enabled: [{ name: 'NodeResourcesBalancedAllocation', weight: 5 }], disabled: [{ name: 'ImageLocality' }] });
  assert.deepEqual(config.profiles[0].pluginConfig?.[0].args, { scoringStrategy: { type: 'MostAllocated' } });
});

test('no profiles means the default profile', () => {
  assert.deepEqual(parseSchedulerConfiguration(head).profiles, [{ schedulerName: 'default-scheduler' }]);
});

test('mistakes are refused with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...head, apiVersion: 'v1' }, /^apiVersion: must be kubescheduler.config.k8s.io\/v1/],
    [{ ...head, kind: 'Config' }, /^kind: /],
    [{ ...head, percentageOfNodesToScore: 150 }, /^percentageOfNodesToScore: must be an integer from 0 to 100, got 150/],
    [{ ...head, profiles: [{ schedulerName: 'a' }, { schedulerName: 'a' }] }, /^profiles\[1\]\.schedulerName: duplicate profile "a"/],
    [{ ...head, profiles: [{ plugins: { score: { enabled: [{ name: 'X', weight: -1 }] } } }] }, /^profiles\[0\]\.plugins\.score\.enabled\[0\]\.weight: must be an integer/],
    [{ ...head, profiles: [{ plugins: { filter: { enabled: [{ name: 'X', weight: 2 }] } } }] }, /^profiles\[0\]\.plugins\.filter\.enabled\[0\]\.weight: only score plugins have a weight/],
    [{ ...head, profiles: [{ plugins: { fliter: {} } }] }, /^profiles\[0\]\.plugins\.fliter: unknown field/],
    [{ ...head, profiles: [{ plugins: { filter: { enabled: [{}] } } }] }, /^profiles\[0\]\.plugins\.filter\.enabled\[0\]\.name: required/],
    [{ ...head, profiles: [{ pluginConfig: [{ name: 'A' }, { name: 'A' }] }] }, /^profiles\[0\]\.pluginConfig\[1\]\.name: duplicate/],
    [{ ...head, bogus: 1 }, /^bogus: unknown field/],
    [{ ...head, podInitialBackoffSeconds: 20 }, /^podMaxBackoffSeconds: must be at least podInitialBackoffSeconds/],
  ];
  for (const [doc, want] of cases) {
    assert.throws(() => parseSchedulerConfiguration(doc), (e: unknown) => e instanceof SchedulerConfigError && want.test(e.message), String(want));
  }
});

test('files: YAML is read; an unreadable or broken file is one clear line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sched-config-'));
  try {
    const good = join(dir, 'good.yaml');
    await writeFile(good, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: fast\n  percentageOfNodesToScore: 10\n');
    assert.deepEqual((await readSchedulerConfiguration(good)).profiles, [{ schedulerName: 'fast', plugins: undefined, pluginConfig: undefined, percentageOfNodesToScore: 10 }]);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles: {a: [}\n');
    await assert.rejects(readSchedulerConfiguration(bad), (e: Error) => e instanceof SchedulerConfigError && e.message.startsWith(`scheduler config ${bad}: not valid YAML`) && !e.message.includes('\n'));
    await assert.rejects(readSchedulerConfiguration(join(dir, 'missing.yaml')), /cannot read it \(ENOENT\)/);
    const wrong = join(dir, 'wrong.yaml');
    await writeFile(wrong, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: lots\n');
    await assert.rejects(readSchedulerConfiguration(wrong), new RegExp(`^SchedulerConfigError: scheduler config ${wrong}: percentageOfNodesToScore: must be an integer`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('plugin names are checked against the registry, naming the field', () => {
  const config = parseSchedulerConfiguration({
    ...head,
    profiles: [{ plugins: { filter: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeName' }] }, score: { enabled: [{ name: 'Nope', weight: 2 }] } } }],
  });
  assert.throws(
    () => checkPluginNames(config, (name) => name === 'NodeName'),
    (e: unknown) => e instanceof SchedulerConfigError && e.message === 'profiles[0].plugins.score.enabled[0].name: plugin "Nope" does not exist',
  );
});
