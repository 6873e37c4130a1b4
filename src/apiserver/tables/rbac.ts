/**
 * Tables of RoleBindings and ClusterRoleBindings: the role they bind and, with `-o wide`, the
 * subjects by kind. Roles and ClusterRoles use the default table (name, created at), as upstream.
 */
import { AGE, NAME } from './columns.ts';
import { age } from './format.ts';
import { column, type TablePrinter } from './types.ts';

function subjects(binding: any, kind: string): string {
  return (binding?.subjects ?? [])
    .filter((s: any) => s?.kind === kind)
    .map((s: any) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');
}

export const bindingPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Role', 'string', 'The role the subjects are bound to.'),
    AGE,
    column('Users', 'string', 'Users in the binding.', { priority: 1 }),
    column('Groups', 'string', 'Groups in the binding.', { priority: 1 }),
    column('ServiceAccounts', 'string', 'Service accounts in the binding.', { priority: 1 }),
  ],
  cells(b, now) {
    const ref = b?.roleRef ?? {};
    return [b?.metadata?.name ?? '', `${ref.kind ?? ''}/${ref.name ?? ''}`, age(b, now), subjects(b, 'User'), subjects(b, 'Group'), subjects(b, 'ServiceAccount')];
  },
};
