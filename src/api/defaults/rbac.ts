/**
 * RBAC defaults: a binding's roleRef and its User and Group subjects are in the RBAC API group
 * unless they say otherwise; ServiceAccount subjects are in the core group.
 */
import { isObject, items, setDefault } from './set.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function defaultBinding(b: any): void {
  if (isObject(b.roleRef)) setDefault(b.roleRef, 'apiGroup', RBAC_GROUP);
  for (const s of items(b.subjects)) {
    if (s.apiGroup !== undefined && s.apiGroup !== '') continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}
