/**
 * Ingresses and IngressClasses (networking.k8s.io/v1). An Ingress needs a default backend or
 * rules; each HTTP path has a pathType, and an absolute path unless the type is
 * ImplementationSpecific; each backend is a Service (with a port name or number, not both) or
 * a resource. An IngressClass names its controller, which may not change.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, list } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isDNS1123Subdomain, isValidPortName } from './names.ts';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const service = b?.service;
  if (service && b.resource) return [fieldError.invalid(path, b, 'cannot set both resource and service backends')];
  if (!service && !b?.resource) return [fieldError.invalid(path, b ?? null, 'resource or service backend is required')];
  if (service) {
    if (!service.name) errs.push(fieldError.required(`${path}.service.name`, ''));
    else for (const msg of isDNS1123Subdomain(service.name)) errs.push(fieldError.invalid(`${path}.service.name`, service.name, msg));
    const port = service.port ?? {};
    const hasName = port.name !== undefined && port.name !== '';
    const hasNumber = port.number !== undefined && port.number !== 0;
    if (hasName && hasNumber) errs.push(fieldError.invalid(`${path}.service.port`, port, 'cannot set both port name & port number'));
    else if (hasName) for (const msg of isValidPortName(port.name)) errs.push(fieldError.invalid(`${path}.service.port.name`, port.name, msg));
    else if (hasNumber) {
      if (!(port.number >= 1 && port.number <= 65535)) errs.push(fieldError.invalid(`${path}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive'));
    } else errs.push(fieldError.invalid(`${path}.service.port`, port, 'port name or number is required'));
  }
  return errs;
}

function validateHost(host: unknown, path: string): FieldError[] {
  if (host === undefined || host === '') return [];
  const h = String(host);
  const bare = h.startsWith('*.') ? h.slice(2) : h;
  return isDNS1123Subdomain(bare).map((msg) => fieldError.invalid(path, host, msg));
}

function validateSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const rules = list(spec?.rules);
  if (!spec?.defaultBackend && rules.length === 0) errs.push(fieldError.invalid('spec', spec ?? {}, 'either `defaultBackend` or `rules` must be specified'));
  if (spec?.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const base = `spec.rules[${i}]`;
    errs.push(...validateHost(rule?.host, `${base}.host`));
    const paths = list(rule?.http?.paths);
    if (rule?.http && paths.length === 0) errs.push(fieldError.required(`${base}.http.paths`, ''));
    paths.forEach((p, j) => {
      const at = `${base}.http.paths[${j}]`;
      if (!p?.pathType) errs.push(fieldError.required(`${at}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(p.pathType)) errs.push(fieldError.notSupported(`${at}.pathType`, p.pathType, PATH_TYPES));
      else if (p.pathType !== 'ImplementationSpecific' && !String(p.path ?? '').startsWith('/')) {
        errs.push(fieldError.invalid(`${at}.path`, p.path ?? '', 'must be an absolute path'));
      }
      errs.push(...validateBackend(p?.backend, `${at}.backend`));
    });
  });
  list(spec?.tls).forEach((t, i) => list(t?.hosts).forEach((h, j) => errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`))));
  return errs;
}

export function validateIngress(ing: any): FieldError[] {
  return [...validateObjectMeta(ing.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateSpec(ing.spec)];
}

export function validateIngressUpdate(ing: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ing.metadata, old.metadata), ...validateSpec(ing.spec)];
}

function validateClassSpec(spec: any): FieldError[] {
  const controller = spec?.controller;
  if (!controller) return [fieldError.required('spec.controller', '')];
  if (String(controller).length > 250) return [fieldError.tooLong('spec.controller', controller, 250)];
  return [];
}

export function validateIngressClass(ic: any): FieldError[] {
  return [...validateObjectMeta(ic.metadata, { namespaced: false, name: nameIsDNSSubdomain }), ...validateClassSpec(ic.spec)];
}

export function validateIngressClassUpdate(ic: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ic.metadata, old.metadata), ...immutable(ic.spec?.controller, old.spec?.controller, 'spec.controller'), ...validateClassSpec(ic.spec)];
}
