/** Tables of ResourceQuotas and PodDisruptionBudgets. */
import { AGE, NAME } from './columns.ts';
import { age, quantity } from './format.ts';
import { column, type TablePrinter } from './types.ts';

/**
 * `name: used/hard` for every resource under status.hard, sorted by name; `limits.*`
 * resources go to the Limit cell, all others to the Request cell.
 */
function quotaCells(quota: any): [string, string] {
  const hard: Record<string, unknown> = quota?.status?.hard ?? {};
  const used: Record<string, unknown> = quota?.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${quantity(used[name])}/${quantity(hard[name])}`;
    (name.startsWith('limits.') ? limits : requests).push(text);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    NAME,
    AGE,
    column('Request', 'string', 'Used and hard amounts of the non-limit resources.'),
    column('Limit', 'string', 'Used and hard amounts of the limits.* resources.'),
  ],
  cells(quota, now) {
    const [request, limit] = quotaCells(quota);
    return [quota?.metadata?.name ?? '', age(quota, now), request, limit];
  },
};

const intOrString = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Min Available', 'string', 'Pods that must stay available.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Pods that may be disrupted now.'),
    AGE,
  ],
  cells(pdb, now) {
    return [
      pdb?.metadata?.name ?? '',
      intOrString(pdb?.spec?.minAvailable),
      intOrString(pdb?.spec?.maxUnavailable),
      pdb?.status?.disruptionsAllowed ?? 0,
      age(pdb, now),
    ];
  },
};
