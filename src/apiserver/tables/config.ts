/** Tables of ConfigMaps, Secrets and ServiceAccounts. */
import { AGE, NAME } from './columns.ts';
import { age } from './format.ts';
import { column, type TablePrinter } from './types.ts';

const count = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const configMapPrinter: TablePrinter = {
  columns: [NAME, column('Data', 'string', 'Number of keys, text and binary.'), AGE],
  cells(cm, now) {
    return [cm?.metadata?.name ?? '', count(cm?.data) + count(cm?.binaryData), age(cm, now)];
  },
};

export const secretPrinter: TablePrinter = {
  columns: [NAME, column('Type', 'string', 'The type of the secret.'), column('Data', 'string', 'Number of keys.'), AGE],
  cells(secret, now) {
    return [secret?.metadata?.name ?? '', secret?.type ?? '', count(secret?.data), age(secret, now)];
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME, column('Secrets', 'string', 'Number of secrets listed on the service account.'), AGE],
  cells(sa, now) {
    return [sa?.metadata?.name ?? '', (sa?.secrets ?? []).length, age(sa, now)];
  },
};
