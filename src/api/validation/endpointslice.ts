/**
 * EndpointSlices (discovery.k8s.io/v1): an address type, up to 1000 endpoints of 1-100
 * addresses of that type, and up to 100 uniquely named ports.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, list, oneOf, requiredOneOf } from './fields.ts';
import { PROTOCOLS } from './container.ts';
import { nameIsDNSSubdomain, validateLabelName, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isDNS1123Label, isDNS1123Subdomain, isIPv4, isIPv6, isQualifiedName, isValidPortNum } from './names.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function validateAddress(type: string, address: string, path: string): FieldError[] {
  switch (type) {
    case 'IPv4':
      return isIPv4(address) ? [] : [fieldError.invalid(path, address, 'must be an IPv4 address')];
    case 'IPv6':
      return isIPv6(address) ? [] : [fieldError.invalid(path, address, 'must be an IPv6 address')];
    case 'FQDN':
      return isDNS1123Subdomain(address).map((m) => fieldError.invalid(path, address, m));
  }
  return [];
}

function validateSlice(slice: any): FieldError[] {
  const errs: FieldError[] = [];
  const type = slice.addressType;
  if (!type) errs.push(fieldError.required('addressType', ''));
  else errs.push(...oneOf(type, ADDRESS_TYPES, 'addressType'));
  const endpoints: any[] = list(slice.endpoints);
  if (endpoints.length > 1000) errs.push({ type: 'FieldValueTooMany', field: 'endpoints', value: endpoints.length, detail: 'must have at most 1000 items' });
  endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs: string[] = list(ep?.addresses);
    if (addrs.length === 0) errs.push(fieldError.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(fieldError.invalid(`${p}.addresses`, addrs, 'must contain at most 100 addresses'));
    addrs.forEach((a, j) => errs.push(...validateAddress(type, a, `${p}.addresses[${j}]`)));
    if (ep?.nodeName) for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldError.invalid(`${p}.nodeName`, ep.nodeName, m));
    if (ep?.hostname) for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldError.invalid(`${p}.hostname`, ep.hostname, m));
    for (const k of Object.keys(ep?.deprecatedTopology ?? {})) errs.push(...validateLabelName(k, `${p}.deprecatedTopology`));
  });
  const ports: any[] = list(slice.ports);
  if (ports.length > 100) errs.push({ type: 'FieldValueTooMany', field: 'ports', value: ports.length, detail: 'must have at most 100 items' });
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port?.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldError.invalid(`${p}.name`, name, m));
    if (names.has(name)) errs.push(fieldError.duplicate(`${p}.name`, name));
    names.add(name);
    errs.push(...requiredOneOf(port?.protocol, PROTOCOLS, `${p}.protocol`));
    if (port?.port !== undefined && port?.port !== null) for (const m of isValidPortNum(port.port)) errs.push(fieldError.invalid(`${p}.port`, port.port, m));
    if (port?.appProtocol) for (const m of isQualifiedName(port.appProtocol)) errs.push(fieldError.invalid(`${p}.appProtocol`, port.appProtocol, m));
  });
  return errs;
}

export function validateEndpointSlice(slice: any): FieldError[] {
  return [...validateObjectMeta(slice.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateSlice(slice)];
}

export function validateEndpointSliceUpdate(slice: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(slice.metadata, old.metadata), ...validateSlice(slice), ...immutable(slice.addressType, old.addressType, 'addressType')];
}
