/**
 * Request-body decoding for strict field validation: JSON and YAML parsers that, besides the
 * value, report duplicate keys by path (`metadata.name`, `spec.containers[0].name`) — the
 * "duplicate field" half of upstream's `strict decoding error` — and that reject malformed input
 * with the position of the fault. The unknown-field half is src/api/schema/unknown-fields.ts.
 *
 * JSON bodies are parsed by JSON.parse (native, fast); a scanner then walks the text once for
 * duplicate keys, and, when JSON.parse refuses the text, finds where and why in Go's words
 * ("invalid character '}' looking for beginning of object key string").
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

export interface StrictParseResult {
  value: unknown;
  /** Paths of keys that appear more than once in the same object, in document order. */
  duplicateFields: string[];
}

/** Malformed JSON or YAML. `offset` is 0-based; `line` and `column` 1-based. */
export class BodySyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BodySyntaxError';
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function syntaxError(text: string, offset: number, what: string): BodySyntaxError {
  const { line, column } = lineAndColumn(text, offset);
  return new BodySyntaxError(`${what} at line ${line}, column ${column} (offset ${offset})`, offset, line, column);
}

function describeChar(text: string, i: number): string {
  const c = text[i];
  if (c === "'") return "'\\''";
  const code = c.charCodeAt(0);
  return code < 0x20 ? `'\\x${code.toString(16).padStart(2, '0')}'` : `'${c}'`;
}

/** An open object or array, while scanning for duplicate keys. */
interface Frame {
  array: boolean;
  /** Object keys seen so far (objects only). */
  keys: Set<string> | undefined;
  /** The current key (objects) or index (arrays), for paths. */
  key: string;
  index: number;
}

function pathOf(stack: Frame[], last: string): string {
  let path = '';
  for (const f of stack) {
    if (f === stack[stack.length - 1]) break;
    path = f.array ? `${path}[${f.index}]` : path ? `${path}.${f.key}` : f.key;
  }
  return path ? `${path}.${last}` : last;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const LITERALS: Record<string, string> = { t: 'true', f: 'false', n: 'null' };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Finds the first fault of JSON text that JSON.parse refused, named as Go's encoding/json names
 * it. Returns undefined if it finds none (JSON.parse's own message is then the best we have).
 */
function locateJsonError(text: string): BodySyntaxError | undefined {
  /** For each open container: true for an array, false for an object. */
  const open: boolean[] = [];
  type State = 'value' | 'key-or-end' | 'key' | 'colon' | 'comma-or-end' | 'value-or-end' | 'done';
  let state = 'value' as State;
  const n = text.length;
  const fault = (at: number, what: string) => syntaxError(text, at, what);
  const unexpected = (at: number, context: string) => fault(at, `invalid character ${describeChar(text, at)} ${context}`);
  /** After a complete value: more of the enclosing object or array, or the end of the text. */
  const afterValue = (): State => (open.length ? 'comma-or-end' : 'done');

  /** The index of the closing quote of the string opening at `start`, or a fault. */
  const stringEnd = (start: number): number | BodySyntaxError => {
    for (let j = start + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x22) return j;
      if (c < 0x20) return unexpected(j, 'in string literal');
      if (c !== 0x5c) continue;
      const e = text[j + 1];
      if (e === undefined) break;
      if (e === 'u') {
        for (let k = j + 2; k < j + 6; k++) {
          if (k >= n) return fault(n, 'unexpected end of JSON input');
          if (!/[0-9a-fA-F]/.test(text[k])) return unexpected(k, 'in \\u hexadecimal character escape');
        }
        j += 5;
      } else if ('"\\/bfnrt'.includes(e)) {
        j++;
      } else {
        return unexpected(j + 1, 'in string escape code');
      }
    }
    return fault(n, 'unexpected end of JSON input');
  };

  let i = 0;
  while (i < n) {
    if (WS.has(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const ch = text[i];
    const inArray = open[open.length - 1];
    if (state === 'done') return unexpected(i, 'after top-level value');
    if (state === 'colon') {
      if (ch !== ':') return unexpected(i, 'after object key');
      state = 'value';
      i++;
    } else if (state === 'comma-or-end') {
      if (ch === ',') state = inArray ? 'value' : 'key';
      else if (ch === (inArray ? ']' : '}')) {
        open.pop();
        state = afterValue();
      } else return unexpected(i, inArray ? 'after array element' : 'after object key:value pair');
      i++;
    } else if (state === 'key' || state === 'key-or-end') {
      if (ch === '}' && state === 'key-or-end') {
        open.pop();
        state = afterValue();
        i++;
        continue;
      }
      if (ch !== '"') return unexpected(i, 'looking for beginning of object key string');
      const end = stringEnd(i);
      if (typeof end !== 'number') return end;
      state = 'colon';
      i = end + 1;
    } else if (ch === ']' && state === 'value-or-end') {
      open.pop();
      state = afterValue();
      i++;
    } else if (ch === '{' || ch === '[') {
      open.push(ch === '[');
      state = ch === '[' ? 'value-or-end' : 'key-or-end';
      i++;
    } else if (ch === '"') {
      const end = stringEnd(i);
      if (typeof end !== 'number') return end;
      state = afterValue();
      i = end + 1;
    } else if (LITERALS[ch]) {
      const literal = LITERALS[ch];
      for (let k = 1; k < literal.length; k++) {
        if (i + k >= n) return fault(n, 'unexpected end of JSON input');
        if (text[i + k] !== literal[k]) return unexpected(i + k, `in literal ${literal} (expecting '${literal[k]}')`);
      }
      state = afterValue();
      i += literal.length;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text)?.[0] ?? '';
      if (number === '-' || number === '') return i + 1 >= n ? fault(n, 'unexpected end of JSON input') : unexpected(i + 1, 'in numeric literal');
      state = afterValue();
      i += number.length;
    } else {
      return unexpected(i, 'looking for beginning of value');
    }
  }
  return state === 'done' ? undefined : fault(n, 'unexpected end of JSON input');
}

/**
 * Duplicate keys of text JSON.parse has accepted: the grammar is known good, so this pass only
 * tracks nesting and object keys, jumping over strings with indexOf (several times faster than
 * the validating scan, which only runs on malformed input).
 */
function findDuplicateKeys(text: string): string[] {
  const duplicates: string[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        for (let k = end - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectKey) {
        const top = stack[stack.length - 1];
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        top.keys ??= new Set();
        if (top.keys.has(key)) duplicates.push(pathOf(stack, key));
        else top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      stack.push({ array: false, keys: undefined, key: '', index: 0 });
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push({ array: true, keys: undefined, key: '', index: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top.array) top.index++;
      else expectKey = true;
    }
  }
  return duplicates;
}

/**
 * Parses a JSON request body. Throws BodySyntaxError (with the position) on malformed input.
 * Duplicate keys keep the last value, as JSON.parse (and Go) do, and are reported by path.
 */
export function parseJsonStrict(text: string): StrictParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw locateJsonError(text) ?? new BodySyntaxError(String((cause as Error).message), 0, 1, 1, { cause });
  }
  return { value, duplicateFields: findDuplicateKeys(text) };
}

function yamlDuplicates(node: unknown, path: string, out: string[]): void {
  if (isAlias(node)) return;
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const here = path ? `${path}.${key}` : key;
      if (seen.has(key)) out.push(here);
      else seen.add(key);
      yamlDuplicates(pair.value, here, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => yamlDuplicates(item, `${path}[${i}]`, out));
  }
}

/**
 * Parses a YAML request body (one document) the way upstream reads YAML: YAML 1.1 scalars
 * (`yes`/`on` are booleans), timestamps kept as strings, `<<` merge keys. Throws BodySyntaxError
 * on malformed input.
 */
export function parseYamlStrict(text: string): StrictParseResult {
  const doc = parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    merge: true,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const err = doc.errors[0];
  if (err) {
    const offset = err.pos[0];
    const { line, column } = lineAndColumn(text, offset);
    throw new BodySyntaxError(`yaml: ${err.message.split('\n')[0].replace(/:$/, '')}`, offset, line, column, { cause: err });
  }
  const duplicateFields: string[] = [];
  yamlDuplicates(doc.contents as YamlNode | null, '', duplicateFields);
  return { value: doc.toJS({ maxAliasCount: 100 }) ?? null, duplicateFields };
}

/** Each strict-decoding fault in upstream's words: `unknown field "spec.foo"`, `duplicate field "metadata.name"`. */
export function strictDecodingCauses(unknown: string[], duplicate: string[]): string[] {
  return [...unknown.map((f) => `unknown field ${JSON.stringify(f)}`), ...duplicate.map((f) => `duplicate field ${JSON.stringify(f)}`)];
}

/** The message of upstream's 400 for fieldValidation=Strict: `strict decoding error: unknown field "spec.foo", duplicate field "metadata.name"`. */
export function strictDecodingMessage(unknown: string[], duplicate: string[]): string {
  return `strict decoding error: ${strictDecodingCauses(unknown, duplicate).join(', ')}`;
}
