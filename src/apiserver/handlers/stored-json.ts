/**
 * A stored object's JSON as the API returns it, made from the stored text without parsing it
 * and writing it again: the text as stored (by `encodeObject`) lacks only
 * metadata.resourceVersion, which is the key's modRevision, so it is spliced in. A list of
 * thousands of objects is then mostly string concatenation, not JSON.parse + JSON.stringify
 * of every object.
 */
import type { KeyValue } from '../../storage/store.ts';

const METADATA_KEY = '"metadata":{';

/**
 * The object in `kv` with its resourceVersion, as JSON text; undefined when the text has no
 * top-level metadata object (then the caller parses it as usual).
 */
export function storedJsonWithVersion(kv: KeyValue): string | undefined {
  const at = topLevelMetadata(kv.value);
  if (at < 0) return undefined;
  const open = at + METADATA_KEY.length;
  const version = `"resourceVersion":"${kv.modRevision}"`;
  return kv.value.slice(0, open) + (kv.value[open] === '}' ? version : `${version},`) + kv.value.slice(open);
}

/** Where the top-level `"metadata":{` of a JSON object text starts, or -1. */
function topLevelMetadata(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      if (depth === 1 && text.startsWith(METADATA_KEY, i)) return i;
      i = endOfString(text, i);
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

/** The index of the quote closing the string whose opening quote is at `start`. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}
