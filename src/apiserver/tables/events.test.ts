import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { eventPrinter, eventsV1Printer } from './events.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

describe('event table', () => {
  test('columns: LAST SEEN TYPE REASON OBJECT MESSAGE by default', () => {
    assert.deepEqual(eventPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    assert.deepEqual(eventPrinter.columns.filter((c) => c.priority === 1).map((c) => c.name), ['Subobject', 'Source', 'First Seen', 'Count', 'Name']);
  });

  test('a core event', () => {
    const e = {
      metadata: { name: 'web-1.17c', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled', message: 'Successfully pulled image\n', type: 'Normal',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: '2024-05-01T11:50:00Z', lastTimestamp: '2024-05-01T11:58:00Z', count: 4,
    };
    assert.deepEqual(eventPrinter.cells(e, NOW), ['2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{app}', 'kubelet, n1', 'Successfully pulled image', '10m', 4, 'web-1.17c']);
  });

  test('a new-style event: eventTime, series, reporting controller, count 1 when single', () => {
    const single = { metadata: { name: 'e' }, involvedObject: { kind: 'Node' }, eventTime: '2024-05-01T11:59:00.000000Z', reportingComponent: 'scheduler', type: 'Normal', reason: 'X', message: '' };
    const cells = eventPrinter.cells(single, NOW);
    assert.deepEqual([cells[0], cells[3], cells[5], cells[7], cells[8]], ['60s', 'node', 'scheduler', '60s', 1]);
    const series = { ...single, series: { count: 7, lastObservedTime: '2024-05-01T11:59:50.000000Z' } };
    assert.deepEqual([eventPrinter.cells(series, NOW)[0], eventPrinter.cells(series, NOW)[8]], ['10s', 7]);
  });

  test('events.k8s.io events print the same from their renamed fields', () => {
    const e = {
      metadata: { name: 'e' },
      regarding: { kind: 'Pod', name: 'web-1' },
      note: 'Back-off restarting failed container',
      reason: 'BackOff', type: 'Warning',
      reportingController: 'kubelet', reportingInstance: 'n1',
      eventTime: '2024-05-01T11:00:00.000000Z',
      series: { count: 12, lastObservedTime: '2024-05-01T11:59:00.000000Z' },
    };
    assert.deepEqual(eventsV1Printer.cells(e, NOW), ['60s', 'Warning', 'BackOff', 'pod/web-1', '', 'kubelet, n1', 'Back-off restarting failed container', '60m', 12, 'e']);
  });
});
