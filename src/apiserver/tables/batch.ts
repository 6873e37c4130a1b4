/** Tables of Jobs and CronJobs. */
import { AGE, CONTAINERS, IMAGES, NAME, SELECTOR } from './columns.ts';
import { age, conditionStatus, containerCells, formatLabelSelector, humanDuration, since } from './format.ts';
import { column, type TablePrinter } from './types.ts';

/** What a Job came to: its terminal condition first, then deletion, suspension, a pending failure. */
function jobStatus(job: any): string {
  const is = (type: string) => conditionStatus(job?.status?.conditions, type) === 'True';
  if (is('Complete')) return 'Complete';
  if (is('Failed')) return 'Failed';
  if (job?.metadata?.deletionTimestamp) return 'Terminating';
  if (is('Suspended')) return 'Suspended';
  if (is('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** `succeeded/completions`; without completions, `n/1`, or `n/1 of P` for a parallel work queue. */
function completions(job: any): string {
  const succeeded = job?.status?.succeeded ?? 0;
  if (typeof job?.spec?.completions === 'number') return `${succeeded}/${job.spec.completions}`;
  const parallelism = job?.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** How long the Job ran, or has been running; empty before it starts. */
function duration(job: any, now: Date): string {
  const start = job?.status?.startTime;
  if (!start) return '';
  const end = job?.status?.completionTime;
  if (!end) return since(start, now);
  return humanDuration(Date.parse(end) - Date.parse(start));
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Status', 'string', 'What the job came to, or Running.'),
    column('Completions', 'string', 'Pods that succeeded out of the completions wanted.'),
    column('Duration', 'string', 'How long the job ran, or has been running.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(job, now) {
    const [names, images] = containerCells(job?.spec?.template?.spec);
    return [
      job?.metadata?.name ?? '',
      jobStatus(job),
      completions(job),
      duration(job, now),
      age(job, now),
      names,
      images,
      formatLabelSelector(job?.spec?.selector),
    ];
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Schedule', 'string', 'The cron schedule.'),
    column('Timezone', 'string', 'The time zone the schedule is read in.'),
    column('Suspend', 'boolean', 'Whether new runs are held back.'),
    column('Active', 'integer', 'Jobs running now.'),
    column('Last Schedule', 'string', 'Time since a job was last scheduled.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(cj, now) {
    const jobSpec = cj?.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec);
    const suspend = cj?.spec?.suspend;
    return [
      cj?.metadata?.name ?? '',
      cj?.spec?.schedule ?? '',
      cj?.spec?.timeZone ?? '<none>',
      suspend === undefined || suspend === null ? '<unset>' : suspend ? 'True' : 'False',
      (cj?.status?.active ?? []).length,
      cj?.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>',
      age(cj, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};
