import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { admitPodPriority, type PriorityClassLike } from './priority.ts';

const classes = (...pcs: PriorityClassLike[]) => ({
  get: async (name: string) => pcs.find((p) => p.metadata?.name === name),
  list: async () => pcs,
});
const high: PriorityClassLike = { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'PreemptLowerPriority' };
const polite: PriorityClassLike = { metadata: { name: 'polite' }, value: 500, preemptionPolicy: 'Never' };
const dflt: PriorityClassLike = { metadata: { name: 'dflt' }, value: 10, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' };
const dflt2: PriorityClassLike = { metadata: { name: 'dflt2' }, value: 5, globalDefault: true };

const cases: { name: string; spec: Record<string, unknown>; classes: PriorityClassLike[]; want?: Record<string, unknown>; error?: string }[] = [
  { name: 'the named class supplies priority and policy', spec: { priorityClassName: 'high' }, classes: [high], want: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' } },
  { name: 'a Never class', spec: { priorityClassName: 'polite' }, classes: [polite], want: { priorityClassName: 'polite', priority: 500, preemptionPolicy: 'Never' } },
  { name: 'a missing class is forbidden', spec: { priorityClassName: 'high' }, classes: [], error: 'pods "p" is forbidden: no PriorityClass with name high was found' },
  { name: 'no class and no default: 0', spec: {}, classes: [high], want: { priority: 0 } },
  { name: 'the global default', spec: {}, classes: [high, dflt], want: { priorityClassName: 'dflt', priority: 10, preemptionPolicy: 'PreemptLowerPriority' } },
  { name: 'the lowest of several global defaults', spec: {}, classes: [dflt, dflt2], want: { priorityClassName: 'dflt2', priority: 5 } },
  { name: 'a system class without an object', spec: { priorityClassName: 'system-node-critical' }, classes: [], want: { priorityClassName: 'system-node-critical', priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' } },
  { name: 'a matching stated priority is fine', spec: { priorityClassName: 'high', priority: 1000 }, classes: [high], want: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' } },
  {
    name: 'another stated priority is forbidden',
    spec: { priorityClassName: 'high', priority: 7 },
    classes: [high],
    error: 'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  },
  {
    name: 'another stated preemption policy is forbidden',
    spec: { priorityClassName: 'polite', preemptionPolicy: 'PreemptLowerPriority' },
    classes: [polite],
    error: 'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
  },
];
for (const c of cases) {
  test(c.name, async () => {
    const pod = { metadata: { name: 'p' }, spec: { ...c.spec } };
    if (c.error) {
      await assert.rejects(admitPodPriority(pod, classes(...c.classes)), (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.code, 403);
        assert.equal(err.message, c.error);
        return true;
      });
    } else {
      await admitPodPriority(pod, classes(...c.classes));
      assert.deepEqual(pod.spec, c.want);
    }
  });
}
