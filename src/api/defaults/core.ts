/**
 * Defaults for the core/v1 kinds other than Pod and Service: Namespace, Secret, Node,
 * PersistentVolume(Claim), Endpoints, LimitRange and ReplicationController.
 */
import { defaultPodTemplateSpec } from './pod.ts';
import { child, isObject, items, setDefault } from './set.ts';

export function defaultNamespace(ns: any): void {
  const name = ns.metadata?.name;
  // Every namespace carries its own name as a label, so selectors can pick namespaces by name.
  if (typeof name === 'string' && name) child(child(ns, 'metadata'), 'labels')['kubernetes.io/metadata.name'] = name;
  const spec = child(ns, 'spec');
  if (isObject(spec) && (spec.finalizers === undefined || spec.finalizers === null)) spec.finalizers = ['kubernetes'];
  setDefault(child(ns, 'status'), 'phase', 'Active');
}

/** stringData is a write-only convenience: it is merged into data (base64) and dropped. */
export function defaultSecret(secret: any): void {
  setDefault(secret, 'type', 'Opaque');
  const stringData = secret.stringData;
  if (!isObject(stringData)) return;
  const data = child(secret, 'data');
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
  delete secret.stringData;
}

export function defaultNode(node: any): void {
  const status = node.status;
  if (isObject(status) && isObject(status.capacity) && (status.allocatable === undefined || status.allocatable === null)) status.allocatable = { ...status.capacity };
}

export function defaultPersistentVolume(pv: any): void {
  const spec = child(pv, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  if (spec.hostPath) setDefault(spec.hostPath, 'type', '');
  setDefault(child(pv, 'status'), 'phase', 'Pending');
}

export function defaultPersistentVolumeClaim(pvc: any): void {
  setDefault(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setDefault(child(pvc, 'status'), 'phase', 'Pending');
}

export function defaultEndpoints(ep: any): void {
  for (const subset of items(ep.subsets)) for (const port of items(subset?.ports)) setDefault(port, 'protocol', 'TCP');
}

/** A container limit range item fills default from max, and defaultRequest from default, then min. */
export function defaultLimitRange(lr: any): void {
  for (const item of items(lr.spec?.limits)) {
    if (item?.type !== 'Container') continue;
    const def = child(item, 'default');
    const req = child(item, 'defaultRequest');
    for (const [k, v] of Object.entries(isObject(item.max) ? item.max : {})) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (req[k] === undefined) req[k] = v;
    for (const [k, v] of Object.entries(isObject(item.min) ? item.min : {})) if (req[k] === undefined) req[k] = v;
  }
}

function isEmptyMap(x: unknown): boolean {
  return x === undefined || x === null || (isObject(x) && Object.keys(x).length === 0);
}

/** An RC with no selector or labels takes its template's labels for both. */
export function defaultReplicationController(rc: any): void {
  const spec = child(rc, 'spec');
  const labels = spec.template?.metadata?.labels;
  if (isObject(labels) && Object.keys(labels).length) {
    if (isEmptyMap(spec.selector)) spec.selector = { ...labels };
    const meta = child(rc, 'metadata');
    if (isEmptyMap(meta.labels)) meta.labels = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec.template);
}
