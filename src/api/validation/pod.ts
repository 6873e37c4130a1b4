/**
 * Pods and pod templates: the pod spec (containers, volumes, scheduling fields, DNS,
 * security), what a pod update may change (upstream's short list), and status updates.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { validateContainer, validateID, validateSeccompProfile, type ContainerContext } from './container.ts';
import { describeChanges, list, nonNegative, oneOf, requiredOneOf, semanticEqual } from './fields.ts';
import { nameIsDNSSubdomain, validateAnnotations, validateLabelName, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isIP, isValidLabelValue } from './names.ts';
import { validateLabelSelector } from './selector.ts';
import { validateVolumes } from './volume.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const MAX_INT32 = 2147483647;

/** The pod's own spec, or a template's (`isPod` false: an image may be a " " placeholder). */
export interface PodSpecOptions {
  isPod: boolean;
}

function validateSubdomainField(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || v === '') return [];
  return isDNS1123Subdomain(v).map((m) => fieldError.invalid(path, v, m));
}

function validateLabelField(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || v === '') return [];
  return isDNS1123Label(v).map((m) => fieldError.invalid(path, v, m));
}

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(tolerations)) return errs;
  tolerations.forEach((t: any, i: number) => {
    const p = `${path}[${i}]`;
    const tol = t ?? {};
    if (tol.key) errs.push(...validateLabelName(tol.key, `${p}.key`));
    if (!tol.key && tol.operator !== 'Exists') {
      errs.push(fieldError.invalid(`${p}.operator`, tol.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null && tol.effect !== 'NoExecute') {
      errs.push(fieldError.invalid(`${p}.effect`, tol.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (tol.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(tol.value ?? '');
        if (msgs.length) errs.push(fieldError.invalid(`${p}.operator`, tol.value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (tol.value) errs.push(fieldError.invalid(`${p}.operator`, tol, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldError.notSupported(`${p}.operator`, tol.operator, ['Equal', 'Exists']));
    }
    if (tol.effect) errs.push(...oneOf(tol.effect, TAINT_EFFECTS, `${p}.effect`));
  });
  return errs;
}

function validateDNSConfig(cfg: any, dnsPolicy: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (dnsPolicy === 'None') {
    if (!cfg) return [fieldError.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!cfg.nameservers?.length) return [fieldError.required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return errs;
  const ns: string[] = list(cfg.nameservers);
  if (ns.length > 3) errs.push(fieldError.invalid(`${path}.nameservers`, ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => {
    if (!isIP(n)) errs.push(fieldError.invalid(`${path}.nameservers[${i}]`, n, INVALID_IP));
  });
  const searches: string[] = list(cfg.searches);
  if (searches.length > 32) errs.push(fieldError.invalid(`${path}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(fieldError.invalid(`${path}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const bare = typeof s === 'string' && s.endsWith('.') ? s.slice(0, -1) : s;
    for (const m of isDNS1123Subdomain(bare)) errs.push(fieldError.invalid(`${path}.searches[${i}]`, bare, m));
  });
  list(cfg.options).forEach((o: any, i: number) => {
    if (!o?.name) errs.push(fieldError.required(`${path}.options[${i}]`, 'Option.Name must not be empty'));
  });
  return errs;
}

function validatePodSecurityContext(sc: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc) return errs;
  errs.push(...validateID(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...validateID(sc.runAsGroup, `${path}.runAsGroup`));
  errs.push(...validateID(sc.fsGroup, `${path}.fsGroup`));
  list(sc.supplementalGroups).forEach((g: unknown, i: number) => errs.push(...validateID(g, `${path}.supplementalGroups[${i}]`)));
  errs.push(...oneOf(sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always'], `${path}.fsGroupChangePolicy`));
  errs.push(...oneOf(sc.supplementalGroupsPolicy, ['Merge', 'Strict'], `${path}.supplementalGroupsPolicy`));
  if (sc.seccompProfile) errs.push(...validateSeccompProfile(sc.seccompProfile, `${path}.seccompProfile`));
  list(sc.sysctls).forEach((s: any, i: number) => {
    if (!s?.name) errs.push(fieldError.required(`${path}.sysctls[${i}].name`, ''));
  });
  return errs;
}

function validateTopologySpread(constraints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(constraints)) return errs;
  const seen = new Set<string>();
  constraints.forEach((c: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!(typeof c?.maxSkew === 'number' && c.maxSkew > 0)) errs.push(fieldError.invalid(`${p}.maxSkew`, c?.maxSkew ?? 0, 'must be greater than zero'));
    if (!c?.topologyKey) errs.push(fieldError.required(`${p}.topologyKey`, 'can not be empty'));
    else errs.push(...validateLabelName(c.topologyKey, `${p}.topologyKey`));
    if (!c?.whenUnsatisfiable) errs.push(fieldError.required(`${p}.whenUnsatisfiable`, ''));
    else errs.push(...oneOf(c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway'], `${p}.whenUnsatisfiable`));
    const key = `${c?.topologyKey}/${c?.whenUnsatisfiable}`;
    if (seen.has(key)) errs.push(fieldError.duplicate(p, `{${c?.topologyKey}, ${c?.whenUnsatisfiable}}`));
    seen.add(key);
    if (c?.labelSelector) errs.push(...validateLabelSelector(c.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}

const NODE_SELECTOR_OPS = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];

function validateNodeSelectorTerm(term: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(term?.matchExpressions).forEach((r: any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    errs.push(...validateLabelName(r?.key ?? '', `${p}.key`));
    const values: unknown[] = r?.values ?? [];
    switch (r?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldError.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldError.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        break;
      case 'Gt':
      case 'Lt':
        if (values.length !== 1) errs.push(fieldError.required(`${p}.values`, 'must be specified single value when `operator` is \'Lt\' or \'Gt\''));
        break;
      default:
        errs.push(fieldError.notSupported(`${p}.operator`, r?.operator ?? '', NODE_SELECTOR_OPS));
    }
  });
  return errs;
}

function validateAffinity(aff: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const na = aff?.nodeAffinity;
  if (na?.requiredDuringSchedulingIgnoredDuringExecution) {
    const p = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
    const terms = list(na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms);
    if (terms.length === 0) errs.push(fieldError.required(`${p}.nodeSelectorTerms`, 'must have at least one node selector term'));
    terms.forEach((t: any, i: number) => errs.push(...validateNodeSelectorTerm(t, `${p}.nodeSelectorTerms[${i}]`)));
  }
  list(na?.preferredDuringSchedulingIgnoredDuringExecution).forEach((t: any, i: number) => {
    const p = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    if (!(t?.weight >= 1 && t?.weight <= 100)) errs.push(fieldError.invalid(`${p}.weight`, t?.weight ?? 0, inclusiveRangeError(1, 100)));
    errs.push(...validateNodeSelectorTerm(t?.preference, `${p}.preference`));
  });
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = aff?.[kind];
    list(a?.requiredDuringSchedulingIgnoredDuringExecution).forEach((t: any, i: number) => {
      const p = `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!t?.topologyKey) errs.push(fieldError.required(`${p}.topologyKey`, 'can not be empty'));
      else errs.push(...validateLabelName(t.topologyKey, `${p}.topologyKey`));
      errs.push(...validateLabelSelector(t?.labelSelector, `${p}.labelSelector`));
    });
    list(a?.preferredDuringSchedulingIgnoredDuringExecution).forEach((t: any, i: number) => {
      const p = `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!(t?.weight >= 1 && t?.weight <= 100)) errs.push(fieldError.invalid(`${p}.weight`, t?.weight ?? 0, inclusiveRangeError(1, 100)));
      const term = t?.podAffinityTerm;
      if (!term?.topologyKey) errs.push(fieldError.required(`${p}.podAffinityTerm.topologyKey`, 'can not be empty'));
      errs.push(...validateLabelSelector(term?.labelSelector, `${p}.podAffinityTerm.labelSelector`));
    });
  }
  return errs;
}

/** Two containers may not claim the same host port, protocol and address. */
function validateHostPorts(containers: any[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    list(c?.ports).forEach((port: any, pi: number) => {
      if (!port?.hostPort) return;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(fieldError.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
  return errs;
}

export function validatePodSpec(spec: any, path: string, opts: PodSpecOptions): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const vols = validateVolumes(s.volumes, `${path}.volumes`);
  errs.push(...vols.errors);
  const ctx: ContainerContext = { volumes: vols.names, names: new Set(), isPod: opts.isPod, hostNetwork: s.hostNetwork === true, init: false };
  const containers: any[] = list(s.containers);
  if (containers.length === 0) errs.push(fieldError.required(`${path}.containers`, ''));
  containers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.containers[${i}]`, ctx)));
  const inits: any[] = list(s.initContainers);
  inits.forEach((c, i) => errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, { ...ctx, init: true })));
  errs.push(...validateHostPorts(containers, `${path}.containers`));

  if (!s.restartPolicy) errs.push(fieldError.required(`${path}.restartPolicy`, ''));
  else errs.push(...oneOf(s.restartPolicy, RESTART_POLICIES, `${path}.restartPolicy`));
  if (!s.dnsPolicy) errs.push(fieldError.required(`${path}.dnsPolicy`, ''));
  else errs.push(...oneOf(s.dnsPolicy, DNS_POLICIES, `${path}.dnsPolicy`));
  errs.push(...validateDNSConfig(s.dnsConfig, s.dnsPolicy, `${path}.dnsConfig`));
  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validatePodSecurityContext(s.securityContext, `${path}.securityContext`));
  errs.push(...validateSubdomainField(s.serviceAccountName, `${path}.serviceAccountName`));
  errs.push(...validateSubdomainField(s.nodeName, `${path}.nodeName`));
  errs.push(...validateSubdomainField(s.priorityClassName, `${path}.priorityClassName`));
  errs.push(...validateSubdomainField(s.runtimeClassName, `${path}.runtimeClassName`));
  errs.push(...validateLabelField(s.hostname, `${path}.hostname`));
  errs.push(...validateLabelField(s.subdomain, `${path}.subdomain`));
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (!(Number.isInteger(v) && v >= 1 && v <= MAX_INT32)) errs.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, MAX_INT32)));
  }
  errs.push(...nonNegative(s.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`));
  errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  errs.push(...oneOf(s.preemptionPolicy, ['Never', 'PreemptLowerPriority'], `${path}.preemptionPolicy`));
  errs.push(...validateTopologySpread(s.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
  if (s.affinity) errs.push(...validateAffinity(s.affinity, `${path}.affinity`));
  list(s.hostAliases).forEach((h: any, i: number) => {
    const p = `${path}.hostAliases[${i}]`;
    if (!isIP(h?.ip ?? '')) errs.push(fieldError.invalid(`${p}.ip`, h?.ip ?? '', INVALID_IP));
    list(h?.hostnames).forEach((n: string, j: number) => {
      for (const m of isDNS1123Subdomain(n)) errs.push(fieldError.invalid(`${p}.hostnames[${j}]`, n, m));
    });
  });
  const gates = new Set<string>();
  list(s.schedulingGates).forEach((g: any, i: number) => {
    const p = `${path}.schedulingGates[${i}].name`;
    errs.push(...validateLabelName(g?.name ?? '', p));
    if (gates.has(g?.name)) errs.push(fieldError.duplicate(p, g?.name));
    gates.add(g?.name);
  });
  list(s.readinessGates).forEach((g: any, i: number) => errs.push(...validateLabelName(g?.conditionType ?? '', `${path}.readinessGates[${i}].conditionType`)));
  if (s.os) errs.push(...requiredOneOf(s.os.name, ['linux', 'windows'], `${path}.os.name`));
  return errs;
}

/** A pod template inside a controller: labels and annotations at `path.labels`, as upstream names them. */
export function validatePodTemplateSpec(template: any, path: string): FieldError[] {
  if (!template) return [fieldError.required(path, '')];
  const meta = template.metadata ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`, { isPod: false }));
  if (template.spec?.ephemeralContainers?.length) {
    errs.push(fieldError.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function validatePodIPs(status: any): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['podIPs', 'hostIPs']) {
    const seen = new Set<string>();
    list(status?.[field]).forEach((x: any, i: number) => {
      const p = `status.${field}[${i}]`;
      if (!isIP(x?.ip ?? '')) errs.push(fieldError.invalid(p, x?.ip ?? '', INVALID_IP));
      else if (seen.has(x.ip)) errs.push(fieldError.duplicate(p, x.ip));
      seen.add(x?.ip);
    });
  }
  return errs;
}

export function validatePod(pod: any): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, name: nameIsDNSSubdomain });
  errs.push(...validatePodSpec(pod.spec, 'spec', { isPod: true }));
  if (pod.spec?.ephemeralContainers?.length) errs.push(fieldError.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (pod.spec?.nodeName && pod.spec?.schedulingGates?.length) {
    errs.push(fieldError.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  errs.push(...validatePodIPs(pod.status));
  return errs;
}

const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerImages(next: unknown, old: unknown, path: string): { errs: FieldError[]; stop: boolean } {
  const n: any[] = list(next);
  const o: any[] = list(old);
  if (n.length !== o.length) return { errs: [fieldError.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    if (!c?.image) errs.push(fieldError.required(`${path}[${i}].image`, ''));
  });
  return { errs, stop: false };
}

function sameToleration(a: any, b: any): boolean {
  return (a?.key ?? '') === (b?.key ?? '') && (a?.operator ?? '') === (b?.operator ?? '') && (a?.value ?? '') === (b?.value ?? '') && (a?.effect ?? '') === (b?.effect ?? '');
}

function validateOnlyAddedTolerations(next: unknown, old: unknown, path: string): FieldError[] {
  const n: any[] = list(next);
  const o: any[] = list(old);
  const errs: FieldError[] = [];
  for (const ot of o) {
    const kept = n.some((nt) => {
      if (!sameToleration(nt, ot)) return false;
      if (nt?.tolerationSeconds === ot?.tolerationSeconds) return true;
      // A NoExecute toleration's seconds may only be set or shortened.
      return ot?.effect === 'NoExecute' && typeof nt?.tolerationSeconds === 'number' && (ot?.tolerationSeconds === undefined || nt.tolerationSeconds <= ot.tolerationSeconds);
    });
    if (!kept) errs.push(fieldError.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'));
  }
  return errs;
}

export function validatePodUpdate(pod: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodSpec(pod.spec, 'spec', { isPod: true }));
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};
  const containers = validateContainerImages(spec.containers, oldSpec.containers, 'spec.containers');
  const inits = validateContainerImages(spec.initContainers, oldSpec.initContainers, 'spec.initContainers');
  errs.push(...containers.errs, ...inits.errs);
  if (containers.stop || inits.stop) return errs;

  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (oldAds !== undefined && oldAds !== null && oldAds < ads) {
      errs.push(fieldError.invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(fieldError.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));

  // Undo every change the update is allowed to make; whatever differs after that is forbidden.
  const munged = structuredClone(spec);
  const withOldImages = (cs: unknown, olds: unknown) => (Array.isArray(cs) ? cs.map((c, i) => ({ ...c, image: list(olds)[i]?.image })) : cs);
  munged.containers = withOldImages(munged.containers, oldSpec.containers);
  munged.initContainers = withOldImages(munged.initContainers, oldSpec.initContainers);
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  // Scheduling gates may only be removed.
  const oldGates: any[] = list(oldSpec.schedulingGates);
  if (list(spec.schedulingGates).every((g: any) => oldGates.some((o) => o?.name === g?.name))) munged.schedulingGates = oldSpec.schedulingGates;
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(fieldError.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}\n${describeChanges(oldSpec, munged, 'spec')}`));
  }
  return errs;
}

function terminated(statuses: unknown): Set<string> {
  const out = new Set<string>();
  for (const s of list(statuses)) if (s?.state?.terminated) out.add(s.name);
  return out;
}

export function validatePodStatusUpdate(pod: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) errs.push(fieldError.forbidden('status.nodeName', 'may not be changed directly'));
  const nominated = pod.status?.nominatedNodeName;
  if (nominated && nominated !== old.status?.nominatedNodeName) {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(fieldError.invalid('status.nominatedNodeName', nominated, m));
  }
  // A container that will not be restarted cannot come back to life.
  if (old.spec?.restartPolicy === 'Never') {
    for (const field of ['containerStatuses', 'initContainerStatuses']) {
      const was = terminated(old.status?.[field]);
      list(pod.status?.[field]).forEach((s: any, i: number) => {
        if (was.has(s?.name) && !s?.state?.terminated) errs.push(fieldError.forbidden(`status.${field}[${i}].state`, 'may not be transitioned to non-terminated state'));
      });
    }
  }
  list(pod.status?.conditions).forEach((c: any, i: number) => {
    if (!c?.type) errs.push(fieldError.required(`status.conditions[${i}].type`, ''));
  });
  errs.push(...validatePodIPs(pod.status));
  return errs;
}
