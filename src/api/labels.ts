/**
 * Label selectors: the `?labelSelector=` grammar (`a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x,y)`, `a`, `!a`, and the `a>1` / `a<1` integer comparisons) and the
 * metav1.LabelSelector form controllers carry (matchLabels + matchExpressions), both parsed
 * into one {@link LabelSelector}. Parse failures throw {@link LabelSelectorError} with
 * upstream's wording, which the API server returns as a 400 BadRequest.
 */
import { formatFieldError } from './field-error.ts';
import { isQualifiedName, isValidLabelValue } from './validation/names.ts';

/** Upstream's selection.Operator spellings. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One clause of a selector: a key, an operator, and the values it compares with. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and without duplicates for in/notin; one value for =, ==, !=, gt, lt; none for exists and !. */
  readonly values: readonly string[];
}

/** A selector that cannot be parsed or holds an invalid key or value. */
export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

/** Requirements ANDed together; an empty selector matches everything. */
export class LabelSelector {
  /** Requirements sorted by key, as upstream keeps them. */
  readonly requirements: readonly LabelRequirement[];
  readonly #matchesNothing: boolean;

  constructor(requirements: readonly LabelRequirement[], options: { matchesNothing?: boolean } = {}) {
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#matchesNothing = options.matchesNothing ?? false;
  }

  /** True when the selector places no restriction (matches every object). */
  get empty(): boolean {
    return !this.#matchesNothing && this.requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (this.#matchesNothing) return false;
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  /** The canonical text form, e.g. `app=web,tier in (a,b)`; '' for an empty selector. */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels[r.key]);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels[r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !INTEGER.test(labels[r.key]) || r.values.length !== 1) return false;
      const have = BigInt(labels[r.key]);
      const want = BigInt(r.values[0]);
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

const INTEGER = /^[+-]?\d+$/;

function requirementString(r: LabelRequirement): string {
  const sorted = [...r.values].sort();
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${sorted.join(',')})`;
    case 'gt':
      return `${r.key}>${sorted.join(',')}`;
    case 'lt':
      return `${r.key}<${sorted.join(',')}`;
    default:
      return `${r.key}${r.operator}${sorted.join(',')}`;
  }
}

// ---- checking a requirement, with upstream's messages ----

function invalid(field: string, value: unknown, detail: string): string {
  return formatFieldError({ type: 'FieldValueInvalid', field, value, detail });
}

/** Upstream's aggregate: one message alone, several as `[a, b]`. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

/**
 * Builds one requirement, checking it as upstream's NewRequirement does; field paths in
 * messages are upstream's (`key`, `values`, `values[0][<key>]`).
 */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!INTEGER.test(v)) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length) throw new LabelSelectorError(aggregate(errs));
  return { key, operator, values };
}

// ---- the lexer ----

type Token =
  | 'end' | 'identifier' | '(' | ')' | ',' | '!' | '==' | '=' | '>' | '<' | '!=' | 'in' | 'notin';

interface Scanned {
  token: Token;
  literal: string;
}

const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOL_TOKENS = new Set<string>([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Splits the text into tokens: runs of operator symbols (longest known token), and words between them. */
function scan(text: string): Scanned[] {
  const out: Scanned[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i])) i++;
    if (i >= text.length) {
      out.push({ token: 'end', literal: '' });
      return out;
    }
    if (SYMBOLS.has(text[i])) {
      let literal = text[i++];
      if (i < text.length && SYMBOL_TOKENS.has(literal + text[i])) literal += text[i++];
      out.push({ token: literal as Token, literal });
      continue;
    }
    const start = i;
    while (i < text.length && !SYMBOLS.has(text[i]) && !WHITESPACE.has(text[i])) i++;
    const word = text.slice(start, i);
    out.push({ token: word === 'in' || word === 'notin' ? word : 'identifier', literal: word });
  }
}

// ---- the parser ----

/** In value position `in` and `notin` are plain words (`a in (in)`). */
type Context = 'operator' | 'values';

class Parser {
  #items: Scanned[];
  #pos = 0;

  constructor(text: string) {
    this.#items = scan(text);
  }

  #peek(ctx: Context): Scanned {
    return asContext(this.#items[this.#pos], ctx);
  }

  #next(ctx: Context): Scanned {
    return asContext(this.#items[this.#pos++], ctx);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { token, literal } = this.#peek('values');
      if (token === 'end') return requirements;
      if (token !== 'identifier' && token !== '!') {
        throw new LabelSelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.#requirement());
      } catch (err) {
        throw new LabelSelectorError(`unable to parse requirement: ${(err as Error).message}`, { cause: err });
      }
      const after = this.#next('values');
      if (after.token === 'end') return requirements;
      if (after.token !== ',') throw new LabelSelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const following = this.#peek('values');
      if (following.token !== 'identifier' && following.token !== '!') {
        throw new LabelSelectorError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): LabelRequirement {
    let negated = false;
    let { token, literal } = this.#next('values');
    if (token === '!') {
      negated = true;
      ({ token, literal } = this.#next('values'));
    }
    if (token !== 'identifier') throw new Error(`found '${literal}', expected: identifier`);
    const keyErrs = isQualifiedName(literal);
    // Upstream checks the key here with a nil field path, which prints as "<nil>".
    if (keyErrs.length) throw new Error(invalid('<nil>', literal, keyErrs.join('; ')));
    const key = literal;
    const lookahead = this.#peek('values').token;
    if (negated || lookahead === 'end' || lookahead === ',') {
      return newRequirement(key, negated ? '!' : 'exists', []);
    }
    const op = this.#operator();
    const values = op === 'in' || op === 'notin' ? this.#valueSet() : this.#exactValue();
    return newRequirement(key, op, values);
  }

  #operator(): LabelOperator {
    const { token, literal } = this.#next('operator');
    switch (token) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return token;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${literal}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  /** `(a,b,c)`; empty entries (`(a,,b)`, `()`) stand for the empty value. */
  #valueSet(): string[] {
    const open = this.#next('values');
    if (open.token !== '(') throw new Error(`found '${open.literal}' expected: '('`);
    const first = this.#peek('values');
    if (first.token === ')') {
      this.#next('values');
      return [''];
    }
    if (first.token !== 'identifier' && first.token !== ',') {
      throw new Error(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const { token, literal } = this.#next('values');
      if (token === 'identifier') {
        values.add(literal);
        const after = this.#peek('values');
        if (after.token === ',') continue;
        if (after.token === ')') break;
        throw new Error(`found '${after.literal}', expected: ',' or ')'`);
      }
      if (token === ',') {
        if (values.size === 0) values.add('');
        const after = this.#peek('values').token;
        if (after === ')') {
          values.add('');
          break;
        }
        if (after === ',') {
          this.#next('values');
          values.add('');
        }
        continue;
      }
      throw new Error(`found '${literal}', expected: ',', or identifier`);
    }
    const close = this.#next('values');
    if (close.token !== ')') throw new Error(`found '${first.literal}', expected: ')'`);
    return [...values].sort();
  }

  /** One value after `=`, `==`, `!=`, `>`, `<`; nothing before `,` or the end means the empty value. */
  #exactValue(): string[] {
    const ahead = this.#peek('values').token;
    if (ahead === 'end' || ahead === ',') return [''];
    const { token, literal } = this.#next('values');
    if (token === 'identifier') return [literal];
    throw new Error(`found '${literal}', expected: identifier`);
  }
}

function asContext(s: Scanned, ctx: Context): Scanned {
  if (ctx === 'values' && (s.token === 'in' || s.token === 'notin')) return { token: 'identifier', literal: s.literal };
  return s;
}

/**
 * Parses `?labelSelector=` text. '' yields the empty selector (matches everything).
 * @throws {LabelSelectorError} with upstream's message, e.g. `unable to parse requirement: ...`.
 */
export function parseLabelSelector(text: string): LabelSelector {
  return new LabelSelector(new Parser(text).parse());
}

/** One matchExpressions entry: operator In, NotIn, Exists or DoesNotExist. */
export interface LabelSelectorRequirementSpec {
  key: string;
  operator: string;
  values?: string[];
}

/** The metav1.LabelSelector shape found in specs (Deployment, ReplicaSet, PodDisruptionBudget, ...). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementSpec[];
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * Converts a spec's selector as upstream's LabelSelectorAsSelector: a missing selector
 * matches nothing, an empty one everything; matchLabels become `=` requirements.
 * @throws {LabelSelectorError} for an unknown operator or an invalid key or value.
 */
export function selectorFromLabelSelector(sel: LabelSelectorSpec | null | undefined): LabelSelector {
  if (sel == null) return new LabelSelector([], { matchesNothing: true });
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) requirements.push(newRequirement(key, '=', [value]));
  for (const expr of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (!op) throw new LabelSelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return new LabelSelector(requirements);
}
