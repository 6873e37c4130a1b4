/**
 * The label and field selectors of a list, watch or deletecollection request, combined into
 * one predicate. Bad selectors are 400 BadRequest with the parser's message.
 */
import { parseFieldSelector } from '../../api/fields.ts';
import { parseLabelSelector } from '../../api/labels.ts';
import type { ResourceInfo } from '../../api/resource.ts';
import { badRequest } from '../errors.ts';
import type { KObject } from '../registry/object-store.ts';

export type ObjectFilter = (obj: KObject) => boolean;

/** `name` narrows to one object (watch of /resource/name). Undefined when nothing filters. */
export function selectorFilter(query: URLSearchParams, r: ResourceInfo, name?: string): ObjectFilter | undefined {
  const filters: ObjectFilter[] = [];
  const labelText = query.get('labelSelector');
  if (labelText) {
    let sel;
    try {
      sel = parseLabelSelector(labelText);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    filters.push((o) => sel.matches(o.metadata?.labels ?? {}));
  }
  const fieldText = query.get('fieldSelector');
  if (fieldText) {
    let sel;
    try {
      sel = parseFieldSelector(fieldText, r);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    filters.push((o) => sel.matches(o));
  }
  if (name) filters.push((o) => o.metadata?.name === name);
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  return (o) => filters.every((f) => f(o));
}
