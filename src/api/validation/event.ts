/**
 * Events, core/v1 and events.k8s.io/v1. An Event must live in its object's namespace; a
 * "new-style" event (eventTime set) must also say who reported it, what happened and why.
 * Field paths use core/v1 names for both, as upstream reports them (message, involvedObject).
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isQualifiedName } from './names.ts';

const SHORT_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** The fields both versions share, under their core/v1 names. */
interface EventFields {
  namespace: string;
  eventTime?: string;
  involvedNamespace: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  message: string;
  type?: string;
}

function coreFields(e: any): EventFields {
  return {
    namespace: e.metadata?.namespace ?? '',
    eventTime: e.eventTime,
    involvedNamespace: e.involvedObject?.namespace ?? '',
    reportingController: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
    action: e.action ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    type: e.type,
  };
}

function eventsV1Fields(e: any): EventFields {
  return {
    namespace: e.metadata?.namespace ?? '',
    eventTime: e.eventTime,
    involvedNamespace: e.regarding?.namespace ?? '',
    reportingController: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
    action: e.action ?? '',
    reason: e.reason ?? '',
    message: e.note ?? '',
    type: e.type,
  };
}

function validateEventFields(f: EventFields, controllerField: string): FieldError[] {
  const errs: FieldError[] = [];
  const mismatch = () => fieldError.invalid('involvedObject.namespace', f.involvedNamespace, 'does not match event.namespace');
  if (!f.eventTime) {
    if (f.involvedNamespace === '' ? f.namespace !== '' && f.namespace !== 'default' : f.namespace !== f.involvedNamespace) errs.push(mismatch());
    return errs;
  }
  if (f.involvedNamespace === '' && f.namespace !== 'default' && f.namespace !== 'kube-system') errs.push(mismatch());
  if (!f.reportingController) errs.push(fieldError.required(controllerField, ''));
  for (const m of isQualifiedName(f.reportingController)) errs.push(fieldError.invalid(controllerField, f.reportingController, m));
  const limited: [string, string, number][] = [
    ['reportingInstance', f.reportingInstance, SHORT_LIMIT],
    ['action', f.action, SHORT_LIMIT],
    ['reason', f.reason, SHORT_LIMIT],
  ];
  for (const [name, value, limit] of limited) {
    if (!value) errs.push(fieldError.required(name, ''));
    if (value.length > limit) errs.push(fieldError.invalid(name, '', `can have at most ${limit} characters`));
  }
  if (f.message.length > NOTE_LIMIT) errs.push(fieldError.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  return errs;
}

export function validateCoreEvent(e: any): FieldError[] {
  return [...validateObjectMeta(e.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateEventFields(coreFields(e), 'source')];
}

export function validateCoreEventUpdate(e: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(e.metadata, old.metadata), ...validateEventFields(coreFields(e), 'source')];
}

/** events.k8s.io/v1 always requires eventTime and a Normal or Warning type. */
function validateEventsV1(e: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!e.eventTime) errs.push(fieldError.required('eventTime', ''));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fieldError.invalid('type', '', `has invalid value: ${e.type ?? ''}`));
  if (e.deprecatedFirstTimestamp) errs.push(fieldError.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (e.deprecatedLastTimestamp) errs.push(fieldError.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (e.deprecatedCount) errs.push(fieldError.invalid('deprecatedCount', '', 'needs to be unset'));
  if (e.deprecatedSource?.component || e.deprecatedSource?.host) errs.push(fieldError.invalid('deprecatedSource', '', 'needs to be unset'));
  if (e.series) {
    if (!(e.series.count >= 2)) errs.push(fieldError.invalid('series.count', '', 'should be at least 2'));
    if (!e.series.lastObservedTime) errs.push(fieldError.required('series.lastObservedTime', ''));
  }
  return [...errs, ...validateEventFields(eventsV1Fields(e), 'reportingController')];
}

export function validateEventsV1Event(e: any): FieldError[] {
  return [...validateObjectMeta(e.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateEventsV1(e)];
}

export function validateEventsV1EventUpdate(e: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(e.metadata, old.metadata), ...validateEventsV1(e)];
}
