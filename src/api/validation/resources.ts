/**
 * A container's resources (requests and limits): names must be standard or extended
 * resource names, amounts must be quantities, and a request may not exceed its limit
 * (for resources that cannot be overcommitted, it must equal it).
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { IS_NEGATIVE } from './fields.ts';
import { isQualifiedName } from './names.ts';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from './quantity.ts';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** Native resources live in the default namespace or under kubernetes.io/. */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

function isExtended(name: string): boolean {
  return !isNative(name) && !name.startsWith('requests.') && isQualifiedName(`requests.${name}`).length === 0;
}

/** cpu, memory and ephemeral storage may be requested below their limit; others may not. */
function isOvercommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldError.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(fieldError.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtended(name)) {
    errs.push(fieldError.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Checks one amount; returns its value when it is a valid quantity. */
function validateAmount(name: string, value: unknown, path: string, errs: FieldError[]): number | undefined {
  const q = parseQuantity(value as string);
  if (q === undefined) {
    errs.push(fieldError.invalid(path, value, QUANTITY_FORMAT_ERROR));
    return undefined;
  }
  if (q < 0) errs.push(fieldError.invalid(path, String(value), IS_NEGATIVE));
  else if (isExtended(name) && !Number.isInteger(q)) errs.push(fieldError.invalid(path, value, 'must be an integer'));
  return q;
}

/** Quantities in a map (node capacity, quota hard limits, PVC requests): each must parse and be ≥ 0. */
export function validateResourceList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries((list ?? {}) as Record<string, unknown>)) {
    errs.push(...isQualifiedName(name).map((m) => fieldError.invalid(`${path}[${name}]`, name, m)));
    validateAmount(name, value, `${path}[${name}]`, errs);
  }
  return errs;
}

export function validateResourceRequirements(res: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!res) return errs;
  const limits: Record<string, unknown> = res.limits ?? {};
  const requests: Record<string, unknown> = res.requests ?? {};
  const limitValues = new Map<string, number | undefined>();
  for (const [name, value] of Object.entries(limits)) {
    const p = `${path}.limits[${name}]`;
    errs.push(...validateResourceName(name, p));
    limitValues.set(name, validateAmount(name, value, p, errs));
  }
  for (const [name, value] of Object.entries(requests)) {
    const p = `${path}.requests[${name}]`;
    errs.push(...validateResourceName(name, p));
    const q = validateAmount(name, value, p, errs);
    if (Object.hasOwn(limits, name)) {
      const limit = limitValues.get(name);
      if (q === undefined || limit === undefined) continue;
      if (q !== limit && !isOvercommitAllowed(name)) {
        errs.push(fieldError.invalid(`${path}.requests`, String(value), `must be equal to ${name} limit of ${limits[name]}`));
      } else if (q > limit) {
        errs.push(fieldError.invalid(`${path}.requests`, String(value), `must be less than or equal to ${name} limit of ${limits[name]}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(fieldError.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}
