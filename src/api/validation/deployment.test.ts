import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';

function deployment(edit: (d: any) => void = () => {}): any {
  const d: any = manifests.deployment();
  edit(d);
  applyDefaults(R.deployment, d);
  return d;
}

const errorsOf = (d: any) => validateCreate(R.deployment, d).map((e) => formatFieldError(e));

describe('Deployment', () => {
  test('the nginx Deployment is valid', () => assert.deepEqual(errorsOf(deployment()), []));

  const cases: [string, (d: any) => void, string[]][] = [
    ['no selector', (d) => delete d.spec.selector, ['spec.selector: Required value']],
    [
      'empty selector',
      (d) => (d.spec.selector = {}),
      ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'],
    ],
    [
      'selector not matching the template',
      (d) => (d.spec.selector.matchLabels.app = 'web'),
      ['spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`'],
    ],
    ['negative replicas', (d) => (d.spec.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'pods that do not restart',
      (d) => (d.spec.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'maxSurge and maxUnavailable both zero',
      (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'bad percentages',
      (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25', maxUnavailable: '150%' } }),
      [
        `spec.strategy.rollingUpdate.maxSurge: Invalid value: "25": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
      ],
    ],
    [
      'Recreate with rollingUpdate',
      (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    ['negative minReadySeconds', (d) => (d.spec.minReadySeconds = -5), ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0']],
    [
      'progress deadline not above minReadySeconds',
      (d) => ((d.spec.minReadySeconds = 600), (d.spec.progressDeadlineSeconds = 600)),
      ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
    ],
    [
      'template label syntax is reported at spec.template.labels',
      (d) => ((d.spec.template.metadata.labels['bad key'] = 'x')),
      [
        `spec.template.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
    ['pod template images are required', (d) => delete d.spec.template.spec.containers[0].image, ['spec.template.spec.containers[0].image: Required value']],
    ['a blank image placeholder is allowed in templates', (d) => (d.spec.template.spec.containers[0].image = ' '), []],
  ];
  for (const [name, edit, want] of cases) test(name, () => assert.deepEqual(errorsOf(deployment(edit)), want));

  test('the selector is immutable in apps/v1', () => {
    const old = deployment();
    const next = deployment((d) => {
      d.spec.selector.matchLabels.tier = 'web';
      d.spec.template.metadata.labels.tier = 'web';
    });
    assert.deepEqual(
      validateUpdate(R.deployment, next, old).map((e) => formatFieldError(e)),
      ['spec.selector: Invalid value: {"matchLabels":{"app":"nginx","tier":"web"}}: field is immutable'],
    );
  });

  test('scaling and a new image are ordinary updates', () => {
    const old = deployment();
    const next = deployment((d) => ((d.spec.replicas = 5), (d.spec.template.spec.containers[0].image = 'nginx:1.27')));
    assert.deepEqual(validateUpdate(R.deployment, next, old), []);
  });

  test('status counts cannot exceed replicas', () => {
    const old = deployment();
    const next = structuredClone(old);
    next.status = { replicas: 1, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 };
    assert.deepEqual(
      validateStatusUpdate(R.deployment, next, old).map((e) => formatFieldError(e)),
      ['status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas'],
    );
  });
});
