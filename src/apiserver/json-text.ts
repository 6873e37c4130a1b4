/**
 * Reading stored JSON text without parsing it. Watch events and the pods' nodeName index need
 * one member of an object's text (its metadata, its spec.nodeName); JSON.parse builds the whole
 * object — for a pod, hundreds of small objects that become garbage at once — to read it.
 * These scanners walk the text once, allocating nothing but the answer.
 *
 * They expect well-formed JSON (stored texts are JSON.stringify output) and return undefined
 * for anything else, so a caller can fall back to parsing.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** The index just past the string that starts at `i` (a quote), or -1 when it does not end. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** The index just past the value that starts at `i`, or -1 when the text ends first. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return skipString(text, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next delimiter (stored text has no blanks).
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET) break;
      j++;
    }
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = skipString(text, j) - 1;
      if (j < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * Where the value of member `name` of the object whose `{` is at `start` begins and ends
 * ([begin, end)); null when the object has no such member; undefined when the text is not an
 * object it can read. Keys are compared as written: a name needing escapes never matches (no
 * Kubernetes field name needs any).
 */
export function memberRange(text: string, name: string, start = 0): [number, number] | null | undefined {
  if (text.charCodeAt(start) !== OPEN_BRACE) return undefined;
  if (text.charCodeAt(start + 1) === CLOSE_BRACE) return null;
  let i = start + 1;
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(text, i);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return undefined;
    const valueStart = keyEnd + 1;
    const valueEnd = skipValue(text, valueStart);
    if (valueEnd < 0) return undefined;
    if (keyEnd - i - 2 === name.length && text.startsWith(name, i + 1)) return [valueStart, valueEnd];
    const next = text.charCodeAt(valueEnd);
    if (next === CLOSE_BRACE) return null;
    if (next !== COMMA) return undefined;
    i = valueEnd + 1;
  }
  return undefined;
}

/**
 * The stored text of an object with `"resourceVersion":rv` as the last member of its top-level
 * metadata (stored texts leave it out: it is the revision they were written at), or undefined
 * when the text has no metadata object. For JSON.stringify output this is, byte for byte, what
 * parsing it, setting metadata.resourceVersion and serializing again gives.
 */
export function withResourceVersion(text: string, resourceVersion: string): string | undefined {
  const metadata = memberRange(text, 'metadata');
  if (!metadata || text.charCodeAt(metadata[0]) !== OPEN_BRACE) return undefined;
  const close = metadata[1] - 1;
  const member = `"resourceVersion":${JSON.stringify(resourceVersion)}`;
  return text.slice(0, close) + (close === metadata[0] + 1 ? '' : ',') + member + text.slice(close);
}

/** The string value of `outer`.`inner` in the object's text ("" when absent or not a string); undefined for text it cannot read. */
export function nestedString(text: string, outer: string, inner: string): string | undefined {
  const object = memberRange(text, outer);
  if (!object) return object === null ? '' : undefined;
  if (text.charCodeAt(object[0]) !== OPEN_BRACE) return '';
  const value = memberRange(text, inner, object[0]);
  if (!value) return value === null ? '' : undefined;
  if (text.charCodeAt(value[0]) !== QUOTE) return '';
  const raw = text.slice(value[0], value[1]);
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}
