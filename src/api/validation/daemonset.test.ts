import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

function daemonSet(edit: (d: any) => void = () => {}): any {
  const d: any = manifests.daemonSet();
  edit(d);
  applyDefaults(R.daemonSet, d);
  return d;
}

const errorsOf = (d: any) => validateCreate(R.daemonSet, d).map((e) => formatFieldError(e));

test('the fluentd DaemonSet is valid', () => assert.deepEqual(errorsOf(daemonSet()), []));

test('DaemonSet update strategies', () => {
  const cases: [any, string[]][] = [
    [{ type: 'OnDelete' }, []],
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '10%' } }, []],
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }, ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']],
    [{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }, ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']],
    [{ type: 'Sometimes' }, ['spec.updateStrategy: Unsupported value: {"type":"Sometimes"}: supported values: "RollingUpdate", "OnDelete"']],
  ];
  for (const [strategy, want] of cases) assert.deepEqual(errorsOf(daemonSet((d) => (d.spec.updateStrategy = strategy))), want, JSON.stringify(strategy));
});

test('DaemonSet pods restart always and the selector is fixed', () => {
  assert.deepEqual(errorsOf(daemonSet((d) => (d.spec.template.spec.restartPolicy = 'OnFailure'))), [
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
  const old = daemonSet();
  const next = daemonSet((d) => ((d.spec.selector.matchLabels.x = 'y'), (d.spec.template.metadata.labels.x = 'y')));
  assert.deepEqual(validateUpdate(R.daemonSet, next, old).map((e) => e.field), ['spec.selector']);
});
