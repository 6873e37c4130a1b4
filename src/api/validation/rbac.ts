/**
 * RBAC (rbac.authorization.k8s.io/v1): Roles and ClusterRoles list policy rules — each names
 * verbs and either resources (in API groups) or, cluster-wide only, non-resource URLs;
 * RoleBindings and ClusterRoleBindings bind subjects to a role named by roleRef, which may not
 * change once set. Names are path segments, as upstream's ValidateRBACName.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list } from './fields.ts';
import { nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isValidPathSegmentName } from './names.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRule(rule: any, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule?.verbs).length === 0) errs.push(fieldError.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = list(rule?.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldError.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length || list(rule.resources).length || list(rule.resourceNames).length) {
      errs.push(fieldError.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(rule?.apiGroups).length === 0) errs.push(fieldError.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(rule?.resources).length === 0) errs.push(fieldError.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(role: any, namespaced: boolean): FieldError[] {
  return list(role.rules).flatMap((rule, i) => validatePolicyRule(rule, namespaced, `rules[${i}]`));
}

export function validateRole(role: any): FieldError[] {
  return [...validateObjectMeta(role.metadata, { namespaced: true, name: nameIsPathSegment }), ...validateRules(role, true)];
}

export function validateRoleUpdate(role: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(role.metadata, old.metadata), ...validateRules(role, true)];
}

export function validateClusterRole(role: any): FieldError[] {
  return [...validateObjectMeta(role.metadata, { namespaced: false, name: nameIsPathSegment }), ...validateRules(role, false)];
}

export function validateClusterRoleUpdate(role: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(role.metadata, old.metadata), ...validateRules(role, false)];
}

function validateSubject(s: any, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s?.name) errs.push(fieldError.required(`${path}.name`, ''));
  switch (s?.kind) {
    case 'ServiceAccount':
      if (s.name) for (const msg of isValidPathSegmentName(s.name)) errs.push(fieldError.invalid(`${path}.name`, s.name, msg));
      if (s.apiGroup) errs.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldError.required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldError.notSupported(`${path}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(b: any, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldError.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(fieldError.required('roleRef.name', ''));
  else for (const msg of isValidPathSegmentName(ref.name)) errs.push(fieldError.invalid('roleRef.name', ref.name, msg));
  list(b.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateBindingUpdate(b: any, old: any, namespaced: boolean): FieldError[] {
  const errs = [...validateObjectMetaUpdate(b.metadata, old.metadata)];
  const [a, c] = [b.roleRef ?? {}, old.roleRef ?? {}];
  if (a.apiGroup !== c.apiGroup || a.kind !== c.kind || a.name !== c.name) errs.push(fieldError.invalid('roleRef', b.roleRef, 'cannot change roleRef'));
  return [...errs, ...validateBinding(b, namespaced)];
}

export function validateRoleBinding(b: any): FieldError[] {
  return [...validateObjectMeta(b.metadata, { namespaced: true, name: nameIsPathSegment }), ...validateBinding(b, true)];
}

export function validateRoleBindingUpdate(b: any, old: any): FieldError[] {
  return validateBindingUpdate(b, old, true);
}

export function validateClusterRoleBinding(b: any): FieldError[] {
  return [...validateObjectMeta(b.metadata, { namespaced: false, name: nameIsPathSegment }), ...validateBinding(b, false)];
}

export function validateClusterRoleBindingUpdate(b: any, old: any): FieldError[] {
  return validateBindingUpdate(b, old, false);
}
