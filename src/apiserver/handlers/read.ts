/**
 * GET of one object and LIST of a collection: resourceVersion semantics, limit/continue
 * pagination at one revision, selectors, and the Table / PartialObjectMetadata forms kubectl
 * and metadata clients ask for.
 */
import { apiVersionOf, type ResourceInfo } from '../../api/resource.ts';
import { CompactedError } from '../../storage/store.ts';
import { toTable } from '../tables/index.ts';
import { badRequest, expired, timeout } from '../errors.ts';
import { negotiate, type Representation } from '../negotiation.ts';
import { entryObject, listStored, type KObject, type StoredEntry } from '../registry/object-store.ts';
import { prefixFor } from '../storage-keys.ts';
import { writeBody, writeJsonText, type RequestContext } from '../context.ts';
import { fromStorageVersion } from '../../api/versions/index.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { storedJsonWithVersion } from './stored-json.ts';
import { indexFor, planList } from './list-source.ts';
import { selectorFilter } from './selectors.ts';

export function partialMetadata(obj: KObject, version: string): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** Renders one object in the negotiated representation. */
export function renderObject(r: ResourceInfo, obj: KObject, rep: Representation): unknown {
  if (rep.as === 'Table') return toTable(r, [obj], { includeObject: includeObjectOf(rep), listMeta: { resourceVersion: obj.metadata?.resourceVersion } });
  if (rep.as === 'PartialObjectMetadata' || rep.as === 'PartialObjectMetadataList') return partialMetadata(obj, rep.version);
  return obj;
}

function includeObjectOf(rep: Representation): 'None' | 'Metadata' | 'Object' | undefined {
  return rep.as === 'Table' ? (rep.includeObject as 'None' | 'Metadata' | 'Object' | undefined) : undefined;
}

export function representation(ctx: RequestContext, allowTable = true): Representation {
  const rep = negotiate(ctx.req.headers.accept, { allowTable, allowProtobuf: ctx.info.verb !== 'watch' });
  if (rep.as === 'Table') {
    const io = ctx.query.get('includeObject');
    if (io && io !== 'None' && io !== 'Metadata' && io !== 'Object') throw badRequest(`includeObject must be one of None, Metadata, Object`);
    rep.includeObject = io ?? 'Metadata';
  }
  return rep;
}

export async function handleGet(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx);
  const obj = await ctx.parts.registry.get(ctx.resource, ctx.info.namespace, ctx.info.name);
  writeBody(ctx, 200, renderObject(ctx.resource, obj, rep), rep);
}

/** One page of a list: its entries as stored, and (parsed on first use) as objects. */
export interface ListedPage {
  entries: StoredEntry[];
  readonly items: KObject[];
  revision: number;
  continueToken?: string;
  remaining: number;
}

/** Reads one page of the collection as the query asks. */
export async function readList(ctx: RequestContext): Promise<ListedPage> {
  const { query, resource: r, info } = ctx;
  const limitText = query.get('limit');
  const limit = limitText ? Number(limitText) : 0;
  if (limitText && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`invalid limit: ${limitText}`);
  const rvText = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const continueText = query.get('continue') ?? '';
  if (match && match !== 'Exact' && match !== 'NotOlderThan') throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  if (match && !rvText) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (continueText && rvText && rvText !== '0') throw badRequest('specifying resource version is not allowed when using continue');
  if (match === 'Exact' && rvText === '0') throw badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  const rv = rvText && rvText !== '0' ? Number(rvText) : 0;
  if (rvText && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${rvText}`);

  let pinnedRevision = 0;
  let startKey: string | undefined;
  const prefix = prefixFor(r, info.namespace);
  if (continueText) {
    const token = decodeContinue(continueText);
    if (!token.startKey.startsWith(prefix)) throw badRequest('continue key is not valid: it belongs to another list');
    pinnedRevision = token.revision;
    startKey = token.startKey;
  } else if (match === 'Exact') {
    pinnedRevision = rv;
  } else if (rv > 0) {
    const current = ctx.parts.watchCache.revision;
    if (rv > current && rv > (await ctx.parts.objects.store.currentRevision())) {
      throw timeout(`Too large resource version: ${rv}, current: ${current}`);
    }
  }
  const filter = selectorFilter(query, r);
  try {
    const plan = await planList(ctx.parts.objects.store, ctx.parts.stateCache, { resourceVersion: continueText ? '' : rvText, pinnedRevision, limit, index: indexFor(r, query.get('fieldSelector')) });
    const page = await listStored(r, plan.source, prefix, { limit: plan.limit, startKey, revision: plan.revision, filter });
    let items: KObject[] | undefined;
    return {
      entries: page.entries,
      get items() {
        return (items ??= page.entries.map((e) => entryObject(r, e)));
      },
      revision: page.revision,
      continueToken: page.continueKey ? encodeContinue({ revision: page.revision, startKey: page.continueKey }) : undefined,
      remaining: page.remaining,
    };
  } catch (err) {
    if (continueText && (err instanceof CompactedError || (err as { code?: number }).code === 410)) {
      throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
    }
    throw err;
  }
}

export async function handleList(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx);
  const r = ctx.resource;
  const page = await readList(ctx);
  const listMeta: KObject = { resourceVersion: String(page.revision) };
  if (page.continueToken) {
    listMeta.continue = page.continueToken;
    if (page.remaining > 0) listMeta.remainingItemCount = page.remaining;
  }
  let body: unknown;
  if (rep.as === 'Table') {
    body = toTable(r, page.items, { includeObject: includeObjectOf(rep), listMeta });
  } else if (rep.as === 'PartialObjectMetadata' || rep.as === 'PartialObjectMetadataList') {
    body = {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${rep.version}`,
      metadata: listMeta,
      items: page.items.map((o) => partialMetadata(o, rep.version)),
    };
  } else if (rep.as === 'object' && rep.format === 'json' && storedAsServed(r)) {
    return writeListText(ctx, r, listMeta, page.entries);
  } else {
    body = {
      kind: r.listKind,
      apiVersion: apiVersionOf(r),
      metadata: listMeta,
      items: page.items,
    };
  }
  writeBody(ctx, 200, body, rep);
}

/** Whether objects of `r` are served as stored (no version conversion), so their stored text can be. */
function storedAsServed(r: ResourceInfo): boolean {
  const probe = {};
  return fromStorageVersion(r, probe) === probe;
}

/** A JSON list written from the entries' stored text: no object is parsed or serialized again. */
function writeListText(ctx: RequestContext, r: ResourceInfo, listMeta: KObject, entries: StoredEntry[]): void {
  const items = entries.map((e) => storedJsonWithVersion(e.kv) ?? JSON.stringify(entryObject(r, e)));
  const text = `{"kind":${JSON.stringify(r.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(r))},"metadata":${JSON.stringify(listMeta)},"items":[${items.join(',')}]}`;
  writeJsonText(ctx.res, 200, text, 'application/json', ctx.warnings);
}
