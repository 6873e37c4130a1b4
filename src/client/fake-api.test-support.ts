/**
 * An in-memory stand-in for the API's object verbs (get, create, update, merge patch) with
 * the server's resourceVersion compare-and-swap and Status errors, for unit tests of logic
 * that sits above the REST client. Tests can make every call fail with `down = true`.
 */
import { ApiError } from './api-error.ts';
import type { KubeObject, PatchType, ResourceRef } from './rest-client.ts';

export class FakeApi {
  objects = new Map<string, KubeObject>();
  calls: string[] = [];
  down = false;
  private revision = 0;

  async get<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    this.check('get', r, name);
    const o = this.objects.get(this.key(r, namespace, name));
    if (!o) throw error(404, 'NotFound', `${r.plural} "${name}" not found`);
    return structuredClone(o) as T;
  }

  async create<T extends KubeObject>(r: ResourceRef, obj: T): Promise<T> {
    const name = obj.metadata!.name!;
    this.check('create', r, name);
    const key = this.key(r, obj.metadata?.namespace, name);
    if (this.objects.has(key)) throw error(409, 'AlreadyExists', `${r.plural} "${name}" already exists`);
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.revision) } };
    this.objects.set(key, stored);
    return structuredClone(stored) as T;
  }

  /** As RestClient.createSerialized: the JSON text is created, nothing is answered. */
  async createSerialized(r: ResourceRef, namespace: string | undefined, json: string): Promise<void> {
    const obj = JSON.parse(json) as KubeObject;
    if ((obj.metadata?.namespace ?? undefined) !== namespace) throw new Error(`the body's namespace ${obj.metadata?.namespace} is not the request's ${namespace}`);
    await this.create(r, obj);
  }

  async update<T extends KubeObject>(r: ResourceRef, obj: T): Promise<T> {
    const name = obj.metadata!.name!;
    this.check('update', r, name);
    const key = this.key(r, obj.metadata?.namespace, name);
    const current = this.objects.get(key);
    if (!current) throw error(404, 'NotFound', `${r.plural} "${name}" not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== current.metadata?.resourceVersion) {
      throw error(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified`);
    }
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.revision) } };
    this.objects.set(key, stored);
    return structuredClone(stored) as T;
  }

  async patch<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: PatchType): Promise<T> {
    this.check('patch', r, name);
    if (type !== 'merge') throw new Error('the fake applies merge patches only');
    const key = this.key(r, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw error(404, 'NotFound', `${r.plural} "${name}" not found`);
    const stored = { ...current, ...(patch as object), metadata: { ...current.metadata, resourceVersion: String(++this.revision) } };
    this.objects.set(key, stored);
    return structuredClone(stored) as T;
  }

  private check(verb: string, r: ResourceRef, name: string): void {
    this.calls.push(`${verb} ${r.plural}/${name}`);
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }

  private key(r: ResourceRef, namespace: string | undefined, name: string): string {
    return `${r.plural}/${namespace ?? ''}/${name}`;
  }
}

function error(code: number, reason: string, message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });
}
