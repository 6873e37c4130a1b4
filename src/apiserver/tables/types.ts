/**
 * The shapes of a meta.k8s.io/v1 Table's parts and of a printer: the columns one kind shows
 * and how to fill them from one object.
 */

/** One column as the Table publishes it; priority 0 is shown by default, 1 only with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** 'name' marks the column holding the object's name. */
  format: string;
  description: string;
  priority: number;
}

/** A row condition (only pods have them: Completed for succeeded and failed pods). */
export interface RowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The columns of a kind and how to compute one row's cells. */
export interface TablePrinter {
  columns: readonly ColumnDefinition[];
  /** Every column's cell, wide ones included (the client hides priority-1 columns itself). */
  cells(obj: any, now: Date): unknown[];
  conditions?(obj: any): RowCondition[] | undefined;
}

/** A column definition, with upstream's empty format and priority 0 unless given. */
export function column(
  name: string,
  type: ColumnDefinition['type'],
  description: string,
  options: { format?: string; priority?: number } = {},
): ColumnDefinition {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0 };
}
