/**
 * The table of kinds without a printer of their own (LimitRange, Binding, the reviews):
 * upstream's default, the name and the creation time as an RFC 3339 timestamp (Go's zero
 * time when there is none).
 */
import { NAME } from './columns.ts';
import { column, type TablePrinter } from './types.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export const defaultPrinter: TablePrinter = {
  columns: [NAME, column('Created At', 'date', 'When the object was created.')],
  cells(obj) {
    return [obj?.metadata?.name ?? '', obj?.metadata?.creationTimestamp || ZERO_TIME];
  },
};
