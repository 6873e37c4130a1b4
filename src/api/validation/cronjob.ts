/**
 * CronJobs: a parseable schedule (no TZ= inside it: the timeZone field says that), a known
 * time zone, concurrency policy, history limits, and a job template whose selector the
 * server will generate. Names stay ≤ 52 characters so the Jobs' timestamped names fit 63.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nonNegative } from './fields.ts';
import { nameIsDNSSubdomain, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { cronScheduleError } from './cron.ts';
import { NOT_A_STRING } from './names.ts';
import { validateJobSpecCommon } from './job.ts';

function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [fieldError.invalid(path, tz, 'timeZone must be nil or non-empty string')];
  if (String(tz).toLowerCase() === 'local') return [fieldError.invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: String(tz) });
    return [];
  } catch {
    return [fieldError.invalid(path, tz, `unknown time zone ${tz}`)];
  }
}

function validateCronJobSpec(spec: any, oldSpec: any | undefined): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (!s.schedule) {
    errs.push(fieldError.required('spec.schedule', ''));
  } else if (typeof s.schedule !== 'string') {
    errs.push(fieldError.invalid('spec.schedule', s.schedule, NOT_A_STRING));
  } else {
    const why = cronScheduleError(s.schedule);
    if (why) errs.push(fieldError.invalid('spec.schedule', s.schedule, why));
    const allowTZ = String(oldSpec?.schedule ?? '').includes('TZ');
    if (allowTZ && s.schedule.includes('TZ') && s.timeZone) {
      errs.push(fieldError.invalid('spec.schedule', s.schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && s.schedule.includes('TZ')) {
      errs.push(fieldError.invalid('spec.schedule', s.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  errs.push(...nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== s.timeZone) errs.push(...validateTimeZone(s.timeZone, 'spec.timeZone'));
  switch (s.concurrencyPolicy ?? '') {
    case 'Allow':
    case 'Forbid':
    case 'Replace':
      break;
    case '':
      errs.push(fieldError.required('spec.concurrencyPolicy', ''));
      break;
    default:
      errs.push(fieldError.notSupported('spec.concurrencyPolicy', s.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  const jt = s.jobTemplate ?? {};
  errs.push(...validateLabels(jt.metadata?.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(jt.metadata?.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpecCommon(jt.spec, 'spec.jobTemplate.spec'));
  if (jt.spec?.selector) errs.push(fieldError.invalid('spec.jobTemplate.spec.selector', jt.spec.selector, '`selector` will be auto-generated'));
  if (jt.spec?.manualSelector === true) errs.push(fieldError.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

export function validateCronJob(cj: any): FieldError[] {
  const errs = validateObjectMeta(cj.metadata, { namespaced: true, name: nameIsDNSSubdomain });
  errs.push(...validateCronJobSpec(cj.spec, undefined));
  const name = cj.metadata?.name ?? '';
  if (name.length > 52) errs.push(fieldError.invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cj: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateCronJobSpec(cj.spec, old.spec ?? {})];
}
