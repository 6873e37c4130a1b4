import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { cronScheduleError } from './cron.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate } from './index.ts';

function cronJob(edit: (c: any) => void = () => {}): any {
  const c: any = manifests.cronJob();
  edit(c);
  applyDefaults(R.cronJob, c);
  return c;
}

const errorsOf = (c: any) => validateCreate(R.cronJob, c).map((e) => formatFieldError(e));

describe('CronJob', () => {
  test('the hello CronJob is valid', () => assert.deepEqual(errorsOf(cronJob()), []));

  test('schedules as the cron parser reads them', () => {
    const cases: [string, string | undefined][] = [
      ['*/5 * * * *', undefined],
      ['0 9-17 * jan-mar mon,fri', undefined],
      ['@hourly', undefined],
      ['@every 1h30m', undefined],
      ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
      ['60 * * * *', 'end of range (60) above maximum (59): 60'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ];
    for (const [schedule, want] of cases) assert.equal(cronScheduleError(schedule), want, schedule);
  });

  test('schedule, time zone and policy errors', () => {
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.schedule = '61 * * * *'))), [
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]);
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.schedule = 'TZ=UTC 0 * * * *'))), [
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.timeZone = 'Mars/Olympus'))), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.timeZone = 'Europe/Paris'))), []);
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.concurrencyPolicy = 'Sometimes'))), [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
  });

  test('names leave room for the job suffix', () => {
    const name = 'a'.repeat(53);
    assert.deepEqual(errorsOf(cronJob((c) => (c.metadata.name = name))), [`metadata.name: Invalid value: "${name}": must be no more than 52 characters`]);
  });

  test('the job template may not pick its selector', () => {
    assert.deepEqual(errorsOf(cronJob((c) => (c.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } }))), [
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    ]);
  });
});
