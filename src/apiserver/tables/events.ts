/**
 * The event table, for core Events and events.k8s.io Events alike (upstream prints both from
 * the same stored Event): LAST SEEN TYPE REASON OBJECT MESSAGE, and SUBOBJECT SOURCE
 * FIRST SEEN COUNT NAME with -o wide.
 */
import { NAME } from './columns.ts';
import { since } from './format.ts';
import { column, type TablePrinter } from './types.ts';

/** The fields the table reads, named as in core/v1. */
interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind?: string; name?: string; fieldPath?: string };
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

function coreView(e: any): EventView {
  return {
    name: e?.metadata?.name ?? '',
    type: e?.type ?? '',
    reason: e?.reason ?? '',
    message: e?.message ?? '',
    involvedObject: e?.involvedObject ?? {},
    sourceComponent: e?.source?.component ?? '',
    sourceHost: e?.source?.host ?? '',
    reportingController: e?.reportingComponent ?? '',
    reportingInstance: e?.reportingInstance ?? '',
    firstTimestamp: e?.firstTimestamp ?? undefined,
    lastTimestamp: e?.lastTimestamp ?? undefined,
    eventTime: e?.eventTime ?? undefined,
    count: e?.count,
    series: e?.series ?? undefined,
  };
}

function eventsV1View(e: any): EventView {
  return {
    name: e?.metadata?.name ?? '',
    type: e?.type ?? '',
    reason: e?.reason ?? '',
    message: e?.note ?? '',
    involvedObject: e?.regarding ?? {},
    sourceComponent: e?.deprecatedSource?.component ?? '',
    sourceHost: e?.deprecatedSource?.host ?? '',
    reportingController: e?.reportingController ?? '',
    reportingInstance: e?.reportingInstance ?? '',
    firstTimestamp: e?.deprecatedFirstTimestamp ?? undefined,
    lastTimestamp: e?.deprecatedLastTimestamp ?? undefined,
    eventTime: e?.eventTime ?? undefined,
    count: e?.deprecatedCount,
    series: e?.series ?? undefined,
  };
}

function eventCells(e: EventView, now: Date): unknown[] {
  const firstSeen = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let lastSeen = e.lastTimestamp ? since(e.lastTimestamp, now) : firstSeen;
  let count = e.count ?? 0;
  if (e.series) {
    lastSeen = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    // Events written through events.k8s.io carry no count when they happened once.
    count = 1;
  }
  const kind = (e.involvedObject.kind ?? '').toLowerCase();
  const object = e.involvedObject.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.sourceComponent || e.reportingController;
  const host = e.sourceHost || e.reportingInstance;
  const source = host ? `${component}, ${host}` : component;
  return [lastSeen, e.type, e.reason, object, e.involvedObject.fieldPath ?? '', source, e.message.trim(), firstSeen, count, e.name];
}

const columns = [
  column('Last Seen', 'string', 'Time since the event was last seen.'),
  column('Type', 'string', 'Normal or Warning.'),
  column('Reason', 'string', 'Why the event happened, in one word.'),
  column('Object', 'string', 'The object the event is about.'),
  column('Subobject', 'string', 'The part of the object the event is about.', { priority: 1 }),
  column('Source', 'string', 'The component that reported the event.', { priority: 1 }),
  column('Message', 'string', 'What happened.'),
  column('First Seen', 'string', 'Time since the event was first seen.', { priority: 1 }),
  column('Count', 'string', 'How many times the event happened.', { priority: 1 }),
  { ...NAME, priority: 1 },
];

export const eventPrinter: TablePrinter = { columns, cells: (e, now) => eventCells(coreView(e), now) };

export const eventsV1Printer: TablePrinter = { columns, cells: (e, now) => eventCells(eventsV1View(e), now) };
