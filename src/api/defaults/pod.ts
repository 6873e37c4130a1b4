/**
 * Pod and pod-template defaults, as upstream's SetDefaults_PodSpec/Container/Probe/Volume
 * and the conversions and admission steps every real cluster applies (priority,
 * service account name). Pod-only defaults (requests from limits, enableServiceLinks,
 * priority) are kept out of templates, as upstream does, so controllers' templates stay as
 * written.
 */
import { SYSTEM_PRIORITY_CLASSES } from '../validation/priorityclass.ts';
import { child, isObject, items, setDefault, setDefaultIfZero } from './set.ts';


const VOLUME_SOURCES_WITH_MODE = ['secret', 'configMap', 'downwardAPI', 'projected'];

/**
 * Always pull ":latest" and untagged images (which mean latest); otherwise pull if absent.
 * A digest without a tag pins the image, so it is not "latest"; neither is a missing image,
 * which validation will reject.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  const [withoutDigest, digest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : digest ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(action: any): void {
  if (!action) return;
  setDefault(action, 'path', '/');
  setDefault(action, 'scheme', 'HTTP');
}

function defaultProbe(probe: any): void {
  if (!probe) return;
  setDefaultIfZero(probe, 'timeoutSeconds', 1);
  setDefaultIfZero(probe, 'periodSeconds', 10);
  setDefaultIfZero(probe, 'successThreshold', 1);
  setDefaultIfZero(probe, 'failureThreshold', 3);
  defaultHTTPGet(probe.httpGet);
}

function defaultFieldRef(ref: any): void {
  if (ref) setDefault(ref, 'apiVersion', 'v1');
}

function defaultContainer(c: any): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'imagePullPolicy', defaultPullPolicy(typeof c.image === 'string' ? c.image : ''));
  child(c, 'resources');
  for (const port of items(c.ports)) setDefault(port, 'protocol', 'TCP');
  for (const ev of items(c.env)) defaultFieldRef(ev?.valueFrom?.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
}

function defaultVolume(v: any): void {
  const hasSource = Object.keys(v).some((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
  if (!hasSource) v.emptyDir = {};
  for (const k of VOLUME_SOURCES_WITH_MODE) if (v[k]) setDefault(v[k], 'defaultMode', 0o644);
  if (v.hostPath) setDefault(v.hostPath, 'type', '');
  for (const item of items(v.downwardAPI?.items)) defaultFieldRef(item?.fieldRef);
  for (const src of items(v.projected?.sources)) {
    if (src?.serviceAccountToken) setDefault(src.serviceAccountToken, 'expirationSeconds', 3600);
    for (const item of items(src?.downwardAPI?.items)) defaultFieldRef(item?.fieldRef);
  }
  const claim = v.ephemeral?.volumeClaimTemplate?.spec;
  if (claim) setDefault(claim, 'volumeMode', 'Filesystem');
}

/** SetDefaults_PodSpec plus its containers and volumes; shared by Pods and templates. */
export function defaultPodSpec(spec: any): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  child(spec, 'securityContext');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  // The deprecated serviceAccount field mirrors serviceAccountName, as v1 conversion keeps it.
  if (spec.serviceAccount) setDefault(spec, 'serviceAccountName', spec.serviceAccount);
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of items(spec.containers)) defaultContainer(c);
  for (const c of items(spec.initContainers)) defaultContainer(c);
  for (const c of items(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of items(spec.volumes)) defaultVolume(v);
}

export function defaultPodTemplateSpec(template: any): void {
  if (isObject(template) && isObject(template.spec)) defaultPodSpec(template.spec);
}

/** A container asking for limits only requests what it is limited to. */
function defaultRequestsFromLimits(c: any): void {
  const limits = c.resources?.limits;
  if (!isObject(limits)) return;
  const requests = child(c.resources, 'requests');
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
}

export function defaultPod(pod: any): void {
  const spec = child(pod, 'spec');
  defaultPodSpec(spec);
  for (const c of [...items(spec.containers), ...items(spec.initContainers)]) {
    defaultRequestsFromLimits(c);
    // On the host network a container's port is the host's port (Pods only: templates keep 0).
    if (spec.hostNetwork === true) for (const port of items(c.ports)) setDefaultIfZero(port, 'hostPort', port.containerPort);
  }
  setDefault(spec, 'enableServiceLinks', true);
  // What the ServiceAccount and Priority admission steps fill in on every real cluster.
  setDefault(spec, 'serviceAccountName', 'default');
  spec.serviceAccount = spec.serviceAccountName;
  const systemPriority = SYSTEM_PRIORITY_CLASSES[spec.priorityClassName ?? ''];
  if (systemPriority !== undefined) setDefault(spec, 'priority', systemPriority);
  else if (!spec.priorityClassName) setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
}
