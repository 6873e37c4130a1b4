/**
 * The order of a list a strategic merge patch merged, by upstream's rules (the "preserve order
 * in strategic merge patch" design): `$setElementOrder` first, then the order of the patch's
 * items, then the order the object had. Items are matched by their merge key (by value in lists
 * of scalars).
 */
import { badRequest, type StatusError } from '../errors.ts';
import { goFormat, isJsonObject, memberOf } from './json-value.ts';

const PATCH_DIRECTIVE = '$patch';

function noMergeKey(item: unknown, mergeKey: string): StatusError {
  return badRequest(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

/** The merge key value of a list item, which must be an object that has one. */
export function keyOf(item: unknown, mergeKey: string): unknown {
  if (!isJsonObject(item) || !Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  return item[mergeKey];
}

/** Position of `item` in `list`: by merge key for objects, by value for scalars; -1 if absent. */
export function positionIn(list: unknown[], item: unknown, mergeKey: string): number {
  if (!mergeKey) return list.indexOf(item);
  const key = keyOf(item, mergeKey);
  return list.findIndex((x) => isJsonObject(x) && memberOf(x, mergeKey) === key);
}

/** Splits `items` into those `by` names (in `items` order) and the rest. */
export function partition(items: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const named: unknown[] = [];
  const rest: unknown[] = [];
  for (const item of items) (positionIn(by, item, mergeKey) >= 0 ? named : rest).push(item);
  return [named, rest];
}

/** `items` stably sorted by their position in `order`; items `order` lacks go last. */
function sortedBy(items: unknown[], order: unknown[], mergeKey: string): unknown[] {
  const rank = (item: unknown) => {
    const i = positionIn(order, item, mergeKey);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return items
    .map((item, i) => ({ item, i, r: rank(item) }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r < b.r ? -1 : 1))
    .map((x) => x.item);
}

/**
 * The final order of a merged list: the patch's items in `patchOrder`, and the items only the
 * server had in `serverOrder`, interleaved so that a server-only item stays before a patch item
 * it preceded in the object. Patch items the object did not have come before server-only ones.
 */
export function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const right = sortedBy(patchItems, patchOrder, mergeKey);
  const left = sortedBy(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) {
      out.push(left[i++]);
    } else if (i >= left.length) {
      out.push(right[j++]);
    } else {
      const li = positionIn(serverOrder, left[i], mergeKey);
      const ri = positionIn(serverOrder, right[j], mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

/**
 * Checks that the items of a patch list appear in its `$setElementOrder` list, in the same
 * relative order (items that delete are not counted).
 */
export function checkOrderCoversPatch(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const named = mergeKey ? patchList.filter((x) => !(isJsonObject(x) && x[PATCH_DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let o = 0;
  while (p < named.length && o < order.length) {
    const item = named[p];
    if (isJsonObject(item) && Object.hasOwn(item, PATCH_DIRECTIVE)) {
      p++;
      continue;
    }
    const same = mergeKey ? keyOf(item, mergeKey) === keyOf(order[o], mergeKey) : item === order[o];
    if (same) p++;
    o++;
  }
  if (p < named.length) {
    throw badRequest(`The order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}\n`);
  }
}
