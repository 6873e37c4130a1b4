/**
 * The generic registry: what create, update, patch and delete mean for any resource, as
 * upstream's generic registry Store does — server-owned metadata, per-kind strategies,
 * defaulting, validation, admission (namespace lifecycle, Service allocation, pod priority), graceful
 * deletion and finalizers — over the {@link ObjectStore}.
 */
import { randomUUID } from 'node:crypto';
import { addDefaultTolerations } from '../../api/defaults/default-tolerations.ts';
import { admitPodPriority, type PriorityClassSource } from '../admission/priority.ts';
import { storedPriorityClasses } from '../admission/priority-classes.ts';
import { applyDefaults } from '../../api/defaults/index.ts';
import type { ResourceInfo } from '../../api/resource.ts';
import { apiVersionOf } from '../../api/resource.ts';
import { validateCreate, validateStatusUpdate, validateUpdate } from '../../api/validation/index.ts';
import { badRequest, conflict, forbidden, invalid, notFound, StatusError } from '../errors.ts';
import { carryOverMetadata, dropEmptyMetadata, generateNameSuffix, resetServerOwnedMetadata, specOf } from './metadata.ts';
import { formatTime } from '../../api/time.ts';
import { entryObject, type KObject, type ObjectStore } from './object-store.ts';
import {
  allocateForCreate,
  allocateForUpdate,
  AllocationInvalid,
  dropTypeDependentFields,
  heldBy,
  keepAllocatedValues,
  releaseClaims,
  type ServiceAllocators,
} from './service-allocation.ts';
import { strategyFor, type Strategy } from './strategy.ts';
import { cloneJson } from '../patch/json-value.ts';

export interface RegistryOptions {
  objects: ObjectStore;
  allocators: ServiceAllocators;
  /** Looks a resource up by group and plural (for namespaces, the namespace check). */
  namespaces: ResourceInfo;
  now?: () => Date;
  random?: () => number;
  uid?: () => string;
  /**
   * Whether delete propagation adds the `orphan` / `foregroundDeletion` finalizers. Only a
   * running garbage collector removes them, so they are added only when one runs.
   */
  garbageCollector?: boolean;
  /**
   * DefaultTolerationSeconds admission: how long new pods tolerate their node being not-ready
   * or unreachable before eviction, unless they say otherwise. Absent: no tolerations added.
   */
  podTolerationSeconds?: { notReady: number; unreachable: number };
  /** Where priority admission reads PriorityClasses. Default: `objects`, read on every pod create. */
  priorityClasses?: PriorityClassSource;
}

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * Records field ownership: sets metadata.managedFields of the object about to be stored
   * (defaulted, not yet validated) from the stored one (undefined on create). Without it the
   * stored ownership is kept as it is.
   */
  manageFields?: (next: KObject, current: KObject | undefined) => void;
  /** Checks an update before it is validated and written (the node authorizer's admission); throws to refuse. */
  admitUpdate?: (next: KObject, current: KObject) => void;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Namespaces that exist from the start and cannot be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Kinds whose update creates the object when it is missing, as upstream allows. */
const CREATE_ON_UPDATE = new Set(['/endpoints', '/events', 'events.k8s.io/events', 'coordination.k8s.io/leases', 'discovery.k8s.io/endpointslices']);

/** How many namespaces' admission facts are kept; past it they are read afresh. */
const NAMESPACES_REMEMBERED = 1000;

function isDeleting(ns: KObject): boolean {
  return !!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating';
}

function subject(r: ResourceInfo, name: string) {
  return { group: r.group, resource: r.plural, name };
}

export class Registry {
  private readonly objects: ObjectStore;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly uid: () => string;
  private readonly strategies = new Map<ResourceInfo, Strategy>();
  /** Namespaces by name: whether each is being deleted, as of the revision last read. */
  private readonly namespacesRead = new Map<string, { modRevision: number; deleting: boolean }>();
  private readonly priorityClasses: PriorityClassSource;

  constructor(private readonly options: RegistryOptions) {
    this.objects = options.objects;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.uid = options.uid ?? randomUUID;
    this.priorityClasses = options.priorityClasses ?? storedPriorityClasses(this.objects);
  }

  strategy(r: ResourceInfo): Strategy {
    let s = this.strategies.get(r);
    if (!s) {
      s = strategyFor(r);
      this.strategies.set(r, s);
    }
    return s;
  }

  get(r: ResourceInfo, namespace: string, name: string): Promise<KObject> {
    return this.objects.get(r, namespace, name);
  }

  /**
   * Namespace lifecycle admission: the namespace must exist and not be terminating. Every
   * namespaced create reads its namespace, so each is parsed once per revision, not per create.
   */
  private async admitNamespace(r: ResourceInfo, namespace: string, name: string): Promise<void> {
    if (!r.namespaced) return;
    const kv = await this.objects.tryGetStored(this.options.namespaces, '', namespace);
    if (!kv) throw notFound({ group: '', resource: 'namespaces', name: namespace });
    let ns = this.namespacesRead.get(namespace);
    if (ns?.modRevision !== kv.modRevision) {
      if (this.namespacesRead.size >= NAMESPACES_REMEMBERED) this.namespacesRead.clear();
      ns = { modRevision: kv.modRevision, deleting: isDeleting(entryObject(this.options.namespaces, { kv })) };
      this.namespacesRead.set(namespace, ns);
    }
    if (ns.deleting) {
      throw forbidden(
        `${r.plural}${r.group ? '.' + r.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        subject(r, name),
      );
    }
  }

  private validationFailure(r: ResourceInfo, name: string, errors: ReturnType<typeof validateCreate>): StatusError {
    return invalid(r.kind, r.group, name, errors);
  }

  async create(r: ResourceInfo, namespace: string, input: KObject, options: WriteOptions = {}): Promise<KObject> {
    const obj = cloneJson(input);
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const meta = (obj.metadata ??= {});
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (r.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    resetServerOwnedMetadata(meta);
    dropEmptyMetadata(meta);
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateNameSuffix(this.random);
    meta.uid = this.uid();
    meta.creationTimestamp = formatTime(this.now());
    await this.admitNamespace(r, namespace, meta.name ?? '');
    const strategy = this.strategy(r);
    if (strategy.tracksGeneration) meta.generation = 1;
    strategy.prepareForCreate(obj);
    if (r.group === '' && r.plural === 'pods') await admitPodPriority(obj, this.priorityClasses);
    applyDefaults(r, obj);
    const tolerations = this.options.podTolerationSeconds;
    if (tolerations && r.group === '' && r.plural === 'pods') addDefaultTolerations(obj, tolerations.notReady, tolerations.unreachable);
    // Services get their ClusterIP and NodePorts before validation, as upstream allocates in
    // BeginCreate, so validation sees the complete object.
    const isService = r.group === '' && r.plural === 'services';
    let claims;
    if (isService) claims = await this.allocate(r, obj, () => allocateForCreate(this.options.allocators, obj, !!options.dryRun));
    try {
      options.manageFields?.(obj, undefined);
      const errors = validateCreate(r, obj);
      if (errors.length) throw this.validationFailure(r, meta.name ?? '', errors);
      if (options.dryRun) return obj;
      return await this.objects.create(r, obj);
    } catch (err) {
      if (claims) await releaseClaims(this.options.allocators, claims);
      throw err;
    }
  }

  private async allocate<T>(r: ResourceInfo, obj: KObject, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AllocationInvalid) throw invalid(r.kind, r.group, obj.metadata.name, err.errors);
      throw err;
    }
  }

  /**
   * PUT of the whole object (or of its status, with `subresource: 'status'`). Returns the
   * stored object and whether it was created.
   */
  async update(
    r: ResourceInfo,
    namespace: string,
    name: string,
    input: KObject,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    const inputMeta = input.metadata ?? {};
    if (inputMeta.name !== undefined && inputMeta.name !== name) {
      throw badRequest(`the name of the object (${inputMeta.name}) does not match the name on the URL (${name})`);
    }
    if (r.namespaced && inputMeta.namespace && inputMeta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const rv = inputMeta.resourceVersion ? Number(inputMeta.resourceVersion) : undefined;
    const createOnUpdate = !options.subresource && CREATE_ON_UPDATE.has(`${r.group}/${r.plural}`);
    // An object that is not there is found missing by the write itself (it reads the object
    // before anything else), so the common case, an update, costs no read of its own.
    let missing = false;
    if (inputMeta.resourceVersion && !Number.isFinite(rv)) {
      missing = !(await this.objects.tryGetStored(r, namespace, name));
      if (!missing) throw badRequest(`invalid resourceVersion "${inputMeta.resourceVersion}"`);
      if (!createOnUpdate) throw notFound(subject(r, name));
    }
    if (!missing) {
      try {
        const object = await this.write(r, namespace, name, () => cloneJson(input), { ...options, expectedRevision: rv });
        return { object, created: false };
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404 && createOnUpdate)) throw err;
      }
    }
    const obj = cloneJson(input);
    delete obj.metadata?.resourceVersion;
    obj.metadata = { ...obj.metadata, name };
    return { object: await this.create(r, namespace, obj, options), created: true };
  }

  /**
   * PATCH: `patchFn` turns the current object into the patched one, a new object that shares
   * nothing with `current`, which it must leave unchanged (the write compares the two); the
   * result then goes through the same checks as an update. A patch that sets resourceVersion
   * makes it a precondition.
   */
  async patch(
    r: ResourceInfo,
    namespace: string,
    name: string,
    patchFn: (current: KObject) => KObject,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<KObject> {
    return this.write(r, namespace, name, (current) => {
      const patched = patchFn(current);
      const rv = patched?.metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) {
        throw conflict(subject(r, name), 'the object has been modified; please apply your changes to the latest version and try again');
      }
      return patched;
    }, options);
  }

  /** Shared path of update and patch: compute the new object from the current one, check it, CAS it. */
  private async write(
    r: ResourceInfo,
    namespace: string,
    name: string,
    makeNew: (current: KObject) => KObject,
    options: WriteOptions & { subresource?: 'status'; expectedRevision?: number },
  ): Promise<KObject> {
    const strategy = this.strategy(r);
    const isService = r.group === '' && r.plural === 'services' && !options.subresource;
    let claims: Awaited<ReturnType<typeof allocateForUpdate>> | undefined;
    let removeAfter: KObject | undefined;
    let dryResult: KObject | undefined;
    const tryUpdate = async (current: KObject): Promise<KObject | undefined> => {
      // A later attempt (after a conflict, or on fresher data than the cache's) decides afresh.
      removeAfter = undefined;
      if (claims) {
        await releaseClaims(this.options.allocators, claims.claims);
        claims = undefined;
      }
      let next = makeNew(current);
      if (!next || typeof next !== 'object' || Array.isArray(next)) throw badRequest('the body of the request must be an object');
      next.apiVersion = apiVersionOf(r);
      next.kind = r.kind;
      next.metadata ??= {};
      if (next.metadata.uid && next.metadata.uid !== current.metadata.uid) {
        throw conflict(subject(r, name), `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      next.metadata.name = name;
      dropEmptyMetadata(next.metadata);
      if (r.namespaced) next.metadata.namespace = namespace;
      else delete next.metadata.namespace;
      let errors;
      if (options.subresource === 'status') {
        next = strategy.prepareForStatusUpdate(next, current);
        carryOverMetadata(next.metadata, current.metadata);
        errors = validateStatusUpdate(r, next, current);
      } else {
        carryOverMetadata(next.metadata, current.metadata);
        strategy.prepareForUpdate(next, current);
        if (isService) {
          dropTypeDependentFields(next, current);
          keepAllocatedValues(next, current);
        }
        applyDefaults(r, next);
        if (strategy.tracksGeneration && specOf(next) !== specOf(current)) {
          next.metadata.generation = (current.metadata.generation ?? 0) + 1;
        }
        if (isService) claims = await this.allocate(r, next, () => allocateForUpdate(this.options.allocators, next, current, !!options.dryRun));
        errors = validateUpdate(r, next, current);
      }
      options.admitUpdate?.(next, current);
      options.manageFields?.(next, current);
      if (errors.length) throw this.validationFailure(r, name, errors);
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      if (shouldDeleteDuringUpdate(next)) removeAfter = next;
      if (options.dryRun) {
        dryResult = next;
        return undefined;
      }
      return next;
    };
    let stored: KObject;
    try {
      stored = await this.objects.guaranteedUpdate(r, namespace, name, tryUpdate, { expectedRevision: options.expectedRevision });
    } catch (err) {
      if (claims) await releaseClaims(this.options.allocators, claims.claims);
      throw err;
    }
    if (options.dryRun) return dryResult ?? stored;
    if (claims) await releaseClaims(this.options.allocators, claims.freed);
    if (removeAfter && stored.metadata.resourceVersion) {
      // The last finalizer is gone from an object being deleted: it can go now.
      return this.remove(r, stored).catch((err) => {
        if (err instanceof StatusError && err.code === 404) return stored;
        throw err;
      });
    }
    return stored;
  }

  /**
   * A change the server makes on its own authority (binding a pod, finalizing a namespace):
   * no user-facing validation, but the same CAS and the same removal of an object whose last
   * finalizer went.
   */
  async mutate(r: ResourceInfo, namespace: string, name: string, fn: (current: KObject) => KObject, options: WriteOptions = {}): Promise<KObject> {
    let dryResult: KObject | undefined;
    const stored = await this.objects.guaranteedUpdate(r, namespace, name, (current) => {
      const next = fn(current);
      if (options.dryRun) {
        dryResult = next;
        return undefined;
      }
      return next;
    });
    if (options.dryRun) return dryResult ?? stored;
    if (shouldDeleteDuringUpdate(stored)) {
      return this.remove(r, stored).catch((err) => {
        if (err instanceof StatusError && err.code === 404) return stored;
        throw err;
      });
    }
    return stored;
  }

  /** Deletes the stored object at its current revision and frees what it held. */
  private async remove(r: ResourceInfo, obj: KObject): Promise<KObject> {
    const removed = await this.objects.delete(r, obj.metadata.namespace ?? '', obj.metadata.name, Number(obj.metadata.resourceVersion));
    if (r.group === '' && r.plural === 'services') await releaseClaims(this.options.allocators, heldBy(removed));
    return removed;
  }

  /**
   * DELETE. Returns the object and whether it is gone (`deleted`) or only marked for deletion
   * (graceful deletion or finalizers pending).
   */
  async delete(r: ResourceInfo, namespace: string, name: string, options: DeleteOptions = {}): Promise<{ object: KObject; deleted: boolean }> {
    if (r.group === '' && r.plural === 'namespaces' && UNDELETABLE_NAMESPACES.has(name)) {
      throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, subject(r, name));
    }
    const strategy = this.strategy(r);
    for (let attempt = 0; ; attempt++) {
      const current = await this.objects.get(r, namespace, name);
      const meta = current.metadata;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(subject(r, name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(subject(r, name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
      }
      const grace = strategy.deleteGracePeriod(current, options.gracePeriodSeconds);
      const finalizers: string[] = [...(meta.finalizers ?? [])];
      if (this.options.garbageCollector && !meta.deletionTimestamp) {
        if (options.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
        if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      }
      const namespaceFinalizers: string[] = r.plural === 'namespaces' && r.group === '' ? current.spec?.finalizers ?? [] : [];
      const pending = finalizers.length > 0 || namespaceFinalizers.length > 0;
      if (grace === 0 && !pending) {
        if (options.dryRun) return { object: current, deleted: true };
        try {
          return { object: await this.remove(r, current), deleted: true };
        } catch (err) {
          if (err instanceof StatusError && err.code === 409 && attempt < 20) continue;
          throw err;
        }
      }
      // Mark: deletionTimestamp says when the grace ends; finalizers hold the object until cleared.
      const marked = cloneJson(current);
      const m = marked.metadata;
      const now = this.now();
      const existingGrace: number | undefined = m.deletionGracePeriodSeconds;
      if (!m.deletionTimestamp || (existingGrace !== undefined && grace < existingGrace)) {
        m.deletionTimestamp = formatTime(new Date(now.getTime() + grace * 1000));
        m.deletionGracePeriodSeconds = grace;
      }
      m.finalizers = finalizers.length ? finalizers : undefined;
      if (!m.finalizers) delete m.finalizers;
      if (r.plural === 'namespaces' && r.group === '') marked.status = { ...marked.status, phase: 'Terminating' };
      if (options.dryRun) return { object: marked, deleted: false };
      if (JSON.stringify(marked) === JSON.stringify(current)) return { object: current, deleted: false };
      try {
        const stored = await this.objects.guaranteedUpdate(r, namespace, name, () => marked, { expectedRevision: Number(meta.resourceVersion) });
        return { object: stored, deleted: false };
      } catch (err) {
        if (err instanceof StatusError && err.code === 409 && attempt < 20) continue;
        throw err;
      }
    }
  }
}

/** Upstream's rule: an object being deleted with no finalizers left and no grace left is removed. */
function shouldDeleteDuringUpdate(obj: KObject): boolean {
  const m = obj.metadata;
  if (!m.deletionTimestamp) return false;
  if (m.finalizers?.length) return false;
  if (obj.kind === 'Namespace' && obj.spec?.finalizers?.length) return false;
  return !m.deletionGracePeriodSeconds;
}
