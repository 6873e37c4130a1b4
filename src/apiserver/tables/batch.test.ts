import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cronJobPrinter, jobPrinter } from './batch.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'backup', creationTimestamp: '2024-05-01T11:00:00Z' };
const template = { spec: { containers: [{ name: 'main', image: 'busybox' }] } };

function job(spec: any, status: any, extraMeta: any = {}): any {
  return { metadata: { ...meta, ...extraMeta }, spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, ...spec }, status };
}

describe('job table', () => {
  test('columns', () => {
    assert.deepEqual(jobPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age']);
  });

  test('a completed job: status, completions and how long it ran', () => {
    const j = job({ completions: 1 }, {
      succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:12Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    assert.deepEqual(jobPrinter.cells(j, NOW), ['backup', 'Complete', '1/1', '12s', '60m', 'main', 'busybox', 'batch.kubernetes.io/controller-uid=u1']);
  });

  test('a running job measures its duration to now', () => {
    const j = job({ completions: 5, parallelism: 2 }, { succeeded: 2, startTime: '2024-05-01T11:57:00Z' });
    assert.deepEqual(jobPrinter.cells(j, NOW).slice(1, 4), ['Running', '2/5', '3m']);
  });

  test('completions for work-queue jobs; empty duration before start', () => {
    assert.equal(jobPrinter.cells(job({ parallelism: 3 }, {}), NOW)[2], '0/1 of 3');
    assert.equal(jobPrinter.cells(job({}, {}), NOW)[2], '0/1');
    assert.equal(jobPrinter.cells(job({}, {}), NOW)[3], '');
  });

  test('status precedence: Failed, Terminating, Suspended, FailureTarget', () => {
    const cond = (type: string) => ({ conditions: [{ type, status: 'True' }] });
    assert.equal(jobPrinter.cells(job({}, cond('Failed')), NOW)[1], 'Failed');
    assert.equal(jobPrinter.cells(job({}, cond('Suspended'), { deletionTimestamp: '2024-05-01T11:59:00Z' }), NOW)[1], 'Terminating');
    assert.equal(jobPrinter.cells(job({}, cond('Suspended')), NOW)[1], 'Suspended');
    assert.equal(jobPrinter.cells(job({}, cond('FailureTarget')), NOW)[1], 'FailureTarget');
    assert.equal(jobPrinter.cells(job({}, { conditions: [{ type: 'Complete', status: 'False' }] }), NOW)[1], 'Running');
  });
});

describe('cron job table', () => {
  test('schedule, time zone, suspend, active jobs, last schedule', () => {
    assert.deepEqual(cronJobPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']);
    const cj = {
      metadata: meta,
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'backup-1' }], lastScheduleTime: '2024-05-01T11:55:00Z' },
    };
    assert.deepEqual(cronJobPrinter.cells(cj, NOW), ['backup', '*/5 * * * *', '<none>', 'False', 1, '5m', '60m', 'main', 'busybox', '<none>']);
    const fresh = { metadata: meta, spec: { schedule: '@daily', timeZone: 'Etc/UTC', jobTemplate: { spec: { template } } } };
    assert.deepEqual(cronJobPrinter.cells(fresh, NOW).slice(2, 6), ['Etc/UTC', '<unset>', 0, '<none>']);
  });
});
