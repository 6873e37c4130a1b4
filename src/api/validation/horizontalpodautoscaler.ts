/**
 * HorizontalPodAutoscalers (autoscaling/v1 and v2): a target to scale (kind and name), replica
 * bounds (minReplicas at least 1, maxReplicas at least minReplicas), and for v1 a CPU target of
 * at least 1%, for v2 metrics each of a known type.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isValidPathSegmentName } from './names.ts';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateSpec(hpa: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = hpa.spec ?? {};
  const ref = spec.scaleTargetRef ?? {};
  if (!ref.kind) errs.push(fieldError.required('spec.scaleTargetRef.kind', ''));
  else for (const msg of isValidPathSegmentName(ref.kind)) errs.push(fieldError.invalid('spec.scaleTargetRef.kind', ref.kind, msg));
  if (!ref.name) errs.push(fieldError.required('spec.scaleTargetRef.name', ''));
  else for (const msg of isValidPathSegmentName(ref.name)) errs.push(fieldError.invalid('spec.scaleTargetRef.name', ref.name, msg));
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < 1) errs.push(fieldError.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (typeof max !== 'number' || max < 1) errs.push(fieldError.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) errs.push(fieldError.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  if (hpa.apiVersion === 'autoscaling/v1') {
    const cpu = spec.targetCPUUtilizationPercentage;
    if (typeof cpu === 'number' && cpu < 1) errs.push(fieldError.invalid('spec.targetCPUUtilizationPercentage', cpu, 'must be greater than 0'));
  } else {
    list(spec.metrics).forEach((m, i) => {
      if (!m?.type) errs.push(fieldError.required(`spec.metrics[${i}].type`, 'must specify a metric source type'));
      else if (!METRIC_TYPES.includes(m.type)) errs.push(fieldError.notSupported(`spec.metrics[${i}].type`, m.type, METRIC_TYPES));
    });
  }
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: any): FieldError[] {
  return [...validateObjectMeta(hpa.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateSpec(hpa)];
}

export function validateHorizontalPodAutoscalerUpdate(hpa: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateSpec(hpa)];
}
