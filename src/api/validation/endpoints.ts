/**
 * Endpoints (core/v1): each subset lists addresses (valid, non-special IPs) and ports
 * (named when more than one).
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list, requiredOneOf } from './fields.ts';
import { PROTOCOLS } from './container.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isValidPortNum } from './names.ts';

/** Endpoints must point at routable pod or node addresses, not at special ranges. */
export function specialIPError(ip: string): string | undefined {
  if (ip === '0.0.0.0' || ip === '::') return 'may not be unspecified (0.0.0.0)';
  if ((isIPv4(ip) && ip.startsWith('127.')) || ip === '::1') return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
  if ((isIPv4(ip) && ip.startsWith('169.254.')) || /^fe[89ab]/i.test(ip)) return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
  if ((isIPv4(ip) && ip.startsWith('224.')) || /^ff0?2:/i.test(ip)) return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
  return undefined;
}

function validateAddress(a: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = a?.ip ?? '';
  if (!isIP(ip)) errs.push(fieldError.invalid(`${path}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  else {
    const special = specialIPError(ip);
    if (special) errs.push(fieldError.invalid(`${path}.ip`, ip, special));
  }
  if (a?.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(fieldError.invalid(`${path}.hostname`, a.hostname, m));
  if (a?.nodeName) for (const m of isDNS1123Subdomain(a.nodeName)) errs.push(fieldError.invalid(`${path}.nodeName`, a.nodeName, m));
  return errs;
}

function validateSubsets(subsets: unknown): FieldError[] {
  const errs: FieldError[] = [];
  list(subsets).forEach((ss: any, i: number) => {
    const p = `subsets[${i}]`;
    if (!ss?.addresses?.length && !ss?.notReadyAddresses?.length) errs.push(fieldError.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    list(ss?.addresses).forEach((a: any, j: number) => errs.push(...validateAddress(a, `${p}.addresses[${j}]`)));
    list(ss?.notReadyAddresses).forEach((a: any, j: number) => errs.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports: any[] = list(ss?.ports);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port?.name) errs.push(fieldError.required(`${pp}.name`, ''));
      else if (port?.name) for (const m of isDNS1123Label(port.name)) errs.push(fieldError.invalid(`${pp}.name`, port.name, m));
      for (const m of isValidPortNum(port?.port)) errs.push(fieldError.invalid(`${pp}.port`, port?.port ?? 0, m));
      errs.push(...requiredOneOf(port?.protocol, PROTOCOLS, `${pp}.protocol`));
    });
  });
  return errs;
}

export function validateEndpoints(ep: any): FieldError[] {
  return [...validateObjectMeta(ep.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateSubsets(ep.subsets)];
}

export function validateEndpointsUpdate(ep: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ep.metadata, old.metadata), ...validateSubsets(ep.subsets)];
}
