import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

function job(edit: (j: any) => void = () => {}): any {
  const j: any = manifests.job();
  edit(j);
  applyDefaults(R.job, j);
  return j;
}

const errorsOf = (j: any) => validateCreate(R.job, j).map((e) => formatFieldError(e));

describe('Job', () => {
  test('the pi Job is valid, with its generated selector', () => assert.deepEqual(errorsOf(job()), []));

  test('pods must not restart Always', () => {
    assert.deepEqual(errorsOf(job((j) => delete j.spec.template.spec.restartPolicy)), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  test('a manual selector must match the template', () => {
    const j = job((x) => {
      x.spec.manualSelector = true;
      x.spec.selector = { matchLabels: { app: 'pi' } };
    });
    assert.deepEqual(errorsOf(j), ['spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`']);
  });

  test('a hand-written selector without manualSelector is refused', () => {
    const j = job((x) => {
      x.spec.selector = { matchLabels: { app: 'pi' } };
      x.spec.template.metadata = { labels: { app: 'pi' } };
    });
    assert.deepEqual(errorsOf(j), ['spec.selector: Invalid value: {"matchLabels":{"app":"pi"}}: `selector` not auto-generated']);
  });

  test('counts are non-negative and Indexed jobs need completions', () => {
    assert.deepEqual(errorsOf(job((j) => ((j.spec.backoffLimit = -1), (j.spec.parallelism = -2)))), [
      'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(errorsOf(job((j) => ((j.spec.completionMode = 'Indexed'), (j.spec.parallelism = 2)))), [
      'spec.completions: Required value: when completion mode is Indexed',
    ]);
  });

  test('the template is immutable', () => {
    const old = job();
    const next = structuredClone(old);
    next.spec.template.spec.containers[0].image = 'perl:5.36';
    assert.deepEqual(validateUpdate(R.job, next, old).map((e) => e.field), ['spec.template']);
    const suspended = structuredClone(old);
    suspended.spec.suspend = true;
    assert.deepEqual(validateUpdate(R.job, suspended, old), []);
  });
});
