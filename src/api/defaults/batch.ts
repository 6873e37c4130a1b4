/**
 * Defaults for batch/v1 Jobs and CronJobs, including the selector the server generates for a
 * Job (upstream's PrepareForCreate): pods are labelled with the Job's uid and name, and the
 * Job selects on the uid, so a Job never adopts another's pods.
 */
import { defaultPodTemplateSpec } from './pod.ts';
import { child, isObject, items, setDefault } from './set.ts';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const MAX_INT32 = 2147483647;

/** Needs metadata.uid, which the API server assigns before defaulting a new Job. */
function generateSelector(job: any, spec: any): void {
  const uid = job.metadata?.uid;
  const name = job.metadata?.name;
  if (spec.manualSelector === true || typeof uid !== 'string' || !uid || (spec.selector !== undefined && spec.selector !== null)) return;
  const labels = child(child(child(spec, 'template'), 'metadata'), 'labels');
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[key] === undefined && name) labels[key] = name;
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (labels[key] === undefined) labels[key] = uid;
  spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

/** The JobSpec defaults; CronJob job templates get only the pod template's, as upstream. */
export function defaultJob(job: any): void {
  const spec = child(job, 'spec');
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? MAX_INT32 : 6);
  // Generated first: upstream defaults again on every read, so a stored Job shows its pods' labels.
  generateSelector(job, spec);
  const templateLabels = spec.template?.metadata?.labels;
  const meta = child(job, 'metadata');
  if (isObject(templateLabels) && Object.keys(templateLabels).length && (meta.labels === undefined || meta.labels === null || (isObject(meta.labels) && Object.keys(meta.labels).length === 0))) {
    meta.labels = { ...templateLabels };
  }
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  for (const rule of items(spec.podFailurePolicy?.rules)) for (const c of items(rule?.onPodConditions)) setDefault(c, 'status', 'True');
  defaultPodTemplateSpec(spec.template);
}

export function defaultCronJob(cj: any): void {
  const spec = child(cj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
}
