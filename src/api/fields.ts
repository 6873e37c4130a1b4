/**
 * Field selectors (`?fieldSelector=`): `field=value`, `field==value`, `field!=value`, ANDed by
 * commas, with `\,` `\=` `\\` escapes in values. Each kind accepts only the fields upstream
 * makes selectable for it (every kind: metadata.name and metadata.namespace; pods:
 * spec.nodeName, status.phase, ...). Unknown fields and bad syntax throw
 * {@link FieldSelectorError} with upstream's message, which the API server returns as a
 * 400 BadRequest.
 */
import type { ResourceInfo } from './resource.ts';

/** A selector that cannot be parsed or names a field the kind does not support. */
export class FieldSelectorError extends Error {
  override name = 'FieldSelectorError';
}

/** One clause of a field selector, with the field under its current name (aliases resolved). */
export interface FieldRequirement {
  readonly field: string;
  /** `==` is kept apart from `=` only in how the user wrote it; both test equality. */
  readonly operator: '=' | '==' | '!=';
  readonly value: string;
}

/** Reads one selectable field of an object as the string upstream compares. */
type FieldReader = (obj: any) => string;

interface KindFields {
  readers: Record<string, FieldReader>;
  /** Old names upstream still accepts for a field (pods' `spec.host`). */
  aliases?: Record<string, string>;
  /**
   * Kinds with their own field list answer `field label not supported: X`; the others get
   * upstream's default text naming the two metadata fields.
   */
  ownList: boolean;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const bool = (v: unknown): string => (v === true ? 'true' : 'false');
const int = (v: unknown): string => String(typeof v === 'number' ? v : 0);

const name: FieldReader = (o) => str(o?.metadata?.name);
const namespace: FieldReader = (o) => str(o?.metadata?.namespace);
const METADATA = { 'metadata.name': name, 'metadata.namespace': namespace };

const podIP: FieldReader = (o) => str(o?.status?.podIPs?.[0]?.ip ?? o?.status?.podIP);

const coreEventReaders: Record<string, FieldReader> = {
  ...METADATA,
  'involvedObject.kind': (o) => str(o?.involvedObject?.kind),
  'involvedObject.namespace': (o) => str(o?.involvedObject?.namespace),
  'involvedObject.name': (o) => str(o?.involvedObject?.name),
  'involvedObject.uid': (o) => str(o?.involvedObject?.uid),
  'involvedObject.apiVersion': (o) => str(o?.involvedObject?.apiVersion),
  'involvedObject.resourceVersion': (o) => str(o?.involvedObject?.resourceVersion),
  'involvedObject.fieldPath': (o) => str(o?.involvedObject?.fieldPath),
  reason: (o) => str(o?.reason),
  reportingComponent: (o) => str(o?.reportingComponent),
  source: (o) => str(o?.source?.component) || str(o?.reportingComponent),
  type: (o) => str(o?.type),
};

/**
 * events.k8s.io stores the same Event as core, so it takes core's field names and reads
 * them from the renamed fields (regarding, reportingController, deprecatedSource).
 */
const eventsV1Readers: Record<string, FieldReader> = {
  ...METADATA,
  'involvedObject.kind': (o) => str(o?.regarding?.kind),
  'involvedObject.namespace': (o) => str(o?.regarding?.namespace),
  'involvedObject.name': (o) => str(o?.regarding?.name),
  'involvedObject.uid': (o) => str(o?.regarding?.uid),
  'involvedObject.apiVersion': (o) => str(o?.regarding?.apiVersion),
  'involvedObject.resourceVersion': (o) => str(o?.regarding?.resourceVersion),
  'involvedObject.fieldPath': (o) => str(o?.regarding?.fieldPath),
  reason: (o) => str(o?.reason),
  reportingComponent: (o) => str(o?.reportingController),
  source: (o) => str(o?.deprecatedSource?.component) || str(o?.reportingController),
  type: (o) => str(o?.type),
};

/** Keyed by `group/plural` ('' group for core). */
const KINDS: Record<string, KindFields> = {
  '/pods': {
    ownList: true,
    readers: {
      ...METADATA,
      'spec.nodeName': (o) => str(o?.spec?.nodeName),
      'spec.restartPolicy': (o) => str(o?.spec?.restartPolicy),
      'spec.schedulerName': (o) => str(o?.spec?.schedulerName),
      'spec.serviceAccountName': (o) => str(o?.spec?.serviceAccountName),
      'spec.hostNetwork': (o) => bool(o?.spec?.hostNetwork),
      'status.phase': (o) => str(o?.status?.phase),
      'status.podIP': podIP,
      'status.nominatedNodeName': (o) => str(o?.status?.nominatedNodeName),
    },
    aliases: { 'spec.host': 'spec.nodeName' },
  },
  '/nodes': {
    ownList: true,
    readers: { 'metadata.name': name, 'spec.unschedulable': (o) => bool(o?.spec?.unschedulable) },
  },
  '/namespaces': {
    ownList: true,
    readers: { 'metadata.name': name, 'status.phase': (o) => str(o?.status?.phase) },
  },
  '/secrets': { ownList: true, readers: { ...METADATA, type: (o) => str(o?.type) } },
  '/events': { ownList: true, readers: coreEventReaders },
  'events.k8s.io/events': { ownList: true, readers: eventsV1Readers },
  '/replicationcontrollers': { ownList: true, readers: { ...METADATA, 'status.replicas': (o) => int(o?.status?.replicas) } },
  '/services': {
    ownList: true,
    readers: { ...METADATA, 'spec.clusterIP': (o) => str(o?.spec?.clusterIP), 'spec.type': (o) => str(o?.spec?.type) },
  },
  'apps/replicasets': { ownList: true, readers: { ...METADATA, 'status.replicas': (o) => int(o?.status?.replicas) } },
  'batch/jobs': { ownList: true, readers: { ...METADATA, 'status.successful': (o) => int(o?.status?.succeeded) } },
};

const DEFAULT_FIELDS: KindFields = { ownList: false, readers: METADATA };

function fieldsOf(resource: ResourceInfo): KindFields {
  return KINDS[`${resource.group}/${resource.plural}`] ?? DEFAULT_FIELDS;
}

/** The field names a kind accepts in a field selector. */
export function selectableFields(resource: ResourceInfo): string[] {
  return Object.keys(fieldsOf(resource).readers);
}

/** Requirements ANDed together; an empty selector matches everything. */
export class FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly #readers: Record<string, FieldReader>;

  constructor(requirements: readonly FieldRequirement[], readers: Record<string, FieldReader>) {
    this.requirements = requirements;
    this.#readers = readers;
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(obj: unknown): boolean {
    return this.requirements.every((r) => {
      const actual = this.#readers[r.field](obj);
      return r.operator === '!=' ? actual !== r.value : actual === r.value;
    });
  }

  /** The value a requirement pins a field to (`spec.nodeName=n1` → 'n1'), for narrowing a list before matching. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
  }

  /** The canonical text form: `a=x,b!=y` with values escaped. */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`).join(',');
  }
}

function escapeValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Splits on commas that are not escaped. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

/** The first operator found scanning left to right, `!=` and `==` winning over `=` at the same place. */
function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      if (i + 1 >= v.length) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
      const next = v[++i];
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${next}`);
      }
      out += next;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune with %v: its code point.
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Parses `?fieldSelector=` text for one kind. '' yields the empty selector.
 * @throws {FieldSelectorError} for bad syntax (`invalid selector: 'x'; can't understand 'x'`)
 *   or a field the kind does not support (`field label not supported: x`).
 */
export function parseFieldSelector(text: string, resource: ResourceInfo): FieldSelector {
  const kind = fieldsOf(resource);
  const parsed: FieldRequirement[] = [];
  // Upstream sorts the terms and reads them all before it checks any field name.
  for (const term of splitTerms(text).sort()) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const [field, operator, raw] = parts;
    parsed.push({ field, operator, value: unescapeValue(raw) });
  }
  const requirements = parsed.map((r) => {
    const field = kind.aliases?.[r.field] ?? r.field;
    if (!(field in kind.readers)) {
      throw new FieldSelectorError(
        kind.ownList
          ? `field label not supported: ${r.field}`
          : `"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { ...r, field };
  });
  return new FieldSelector(requirements, kind.readers);
}
