/**
 * One container of a pod (regular or init): name, image, pull policy, ports, env, envFrom,
 * volume mounts, resources, probes, lifecycle hooks and securityContext, with upstream's
 * rules for which of these an init container may carry.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { IS_NEGATIVE, list, nonNegative, oneOf, requiredOneOf } from './fields.ts';
import { nameIsDNSSubdomain } from './metadata.ts';
import { inclusiveRangeError, isConfigMapKey, isDNS1123Label, isEnvVarName, isValidPortName, isValidPortNum, NOT_A_STRING } from './names.ts';
import { validateResourceRequirements } from './resources.ts';
import { validateLocalDescendingPath } from './volume.ts';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const ENV_RESOURCE_FIELDS = [
  'limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory',
];

/** What the surrounding pod spec tells the container validator. */
export interface ContainerContext {
  /** Names of the pod's volumes, for volumeMounts. */
  volumes: Set<string>;
  /** Container names seen so far across containers and initContainers. */
  names: Set<string>;
  /**
   * Pods refuse images with surrounding whitespace; templates allow them, since some tools
   * use " " as a placeholder to fill in later (upstream's rule).
   */
  isPod: boolean;
  hostNetwork: boolean;
  /** Init containers have their own rules (no probes unless a sidecar). */
  init: boolean;
}

/** An int-or-string port: a number 1-65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fieldError.invalid(path, port, m));
  if (typeof port === 'string') {
    if (port === '') return [fieldError.required(path, '')];
    return isValidPortName(port).map((m) => fieldError.invalid(path, port, m));
  }
  return [fieldError.invalid(path, port ?? null, 'must contain an int or string')];
}

function validatePorts(ports: unknown, path: string, hostNetwork: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(ports)) return errs;
  const names = new Set<string>();
  ports.forEach((port: any, i: number) => {
    const p = `${path}[${i}]`;
    if (port?.name) {
      const msgs = isValidPortName(port.name);
      for (const m of msgs) errs.push(fieldError.invalid(`${p}.name`, port.name, m));
      if (msgs.length === 0) {
        if (names.has(port.name)) errs.push(fieldError.duplicate(`${p}.name`, port.name));
        else names.add(port.name);
      }
    }
    if (!port?.containerPort) errs.push(fieldError.required(`${p}.containerPort`, ''));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(fieldError.invalid(`${p}.containerPort`, port.containerPort, m));
    if (port?.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(fieldError.invalid(`${p}.hostPort`, port.hostPort, m));
    errs.push(...requiredOneOf(port?.protocol, PROTOCOLS, `${p}.protocol`));
    if (hostNetwork && port?.hostPort && port.hostPort !== port.containerPort) {
      errs.push(fieldError.invalid(`${p}.containerPort`, port.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
    }
  });
  return errs;
}

function validateKeySelector(sel: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of nameIsDNSSubdomain(sel.name ?? '', false)) errs.push(fieldError.invalid(`${path}.name`, sel.name ?? '', m));
  if (!sel.key) errs.push(fieldError.required(`${path}.key`, ''));
  else for (const m of isConfigMapKey(sel.key)) errs.push(fieldError.invalid(`${path}.key`, sel.key, m));
  return errs;
}

function validateEnvValueFrom(ev: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const from = ev.valueFrom;
  if (!from) return errs;
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    const fp = from.fieldRef.fieldPath;
    if (!from.fieldRef.apiVersion) errs.push(fieldError.required(`${path}.fieldRef.apiVersion`, ''));
    if (!fp) errs.push(fieldError.required(`${path}.fieldRef.fieldPath`, ''));
    else if (!ENV_FIELD_PATHS.includes(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)) {
      errs.push(fieldError.notSupported(`${path}.fieldRef.fieldPath`, fp, ENV_FIELD_PATHS));
    }
  }
  if (from.resourceFieldRef) {
    sources++;
    const r = from.resourceFieldRef.resource;
    if (!r) errs.push(fieldError.required(`${path}.resourceFieldRef.resource`, ''));
    else if (!ENV_RESOURCE_FIELDS.includes(r) && !/^(limits|requests)\.hugepages-/.test(r)) {
      errs.push(fieldError.notSupported(`${path}.resourceFieldRef.resource`, r, ENV_RESOURCE_FIELDS));
    }
  }
  if (from.configMapKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.configMapKeyRef, `${path}.configMapKeyRef`));
  }
  if (from.secretKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.secretKeyRef, `${path}.secretKeyRef`));
  }
  if (sources === 0) errs.push(fieldError.invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(fieldError.invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(fieldError.invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(env)) return errs;
  env.forEach((ev: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!ev?.name) errs.push(fieldError.required(`${p}.name`, ''));
    else for (const m of isEnvVarName(ev.name)) errs.push(fieldError.invalid(`${p}.name`, ev.name, m));
    errs.push(...validateEnvValueFrom(ev ?? {}, `${p}.valueFrom`));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(envFrom)) return errs;
  envFrom.forEach((ev: any, i: number) => {
    const p = `${path}[${i}]`;
    if (ev?.prefix) for (const m of isEnvVarName(ev.prefix)) errs.push(fieldError.invalid(`${p}.prefix`, ev.prefix, m));
    const refs = ['configMapRef', 'secretRef'].filter((k) => ev?.[k]);
    if (refs.length === 0) errs.push(fieldError.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(fieldError.invalid(p, '', 'may not have more than one field specified at a time'));
    for (const k of refs) {
      const name = ev[k].name ?? '';
      for (const m of nameIsDNSSubdomain(name, false)) errs.push(fieldError.invalid(`${p}.${k}.name`, name, m));
    }
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(mounts)) return errs;
  const paths = new Set<string>();
  mounts.forEach((m: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!m?.name) errs.push(fieldError.required(`${p}.name`, ''));
    // Upstream reports `Not found: "x"`; the shared FieldError has no NotFound type, so the
    // closest faithful rendering is an Invalid value naming the rule.
    else if (!volumes.has(m.name)) errs.push(fieldError.invalid(`${p}.name`, m.name, 'must match the name of a volume'));
    if (!m?.mountPath) errs.push(fieldError.required(`${p}.mountPath`, ''));
    else if (paths.has(m.mountPath)) errs.push(fieldError.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    else paths.add(m.mountPath);
    if (m?.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${p}.subPath`));
    if (m?.subPathExpr) {
      if (m.subPath) errs.push(fieldError.invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(m.subPathExpr, `${p}.subPathExpr`));
    }
    errs.push(...oneOf(m?.mountPropagation, ['Bidirectional', 'HostToContainer', 'None'], `${p}.mountPropagation`));
  });
  return errs;
}

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

/** A probe or lifecycle handler: exactly one action, each well formed. */
function validateHandler(h: any, path: string, allowed: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const present = HANDLERS.filter((k) => h?.[k] && allowed.includes(k));
  if (present.length === 0) return [fieldError.required(path, 'must specify a handler type')];
  for (const k of present.slice(1)) errs.push(fieldError.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
  const k = present[0];
  const a = h[k];
  const p = `${path}.${k}`;
  switch (k) {
    case 'exec':
      if (!Array.isArray(a.command) || a.command.length === 0) errs.push(fieldError.required(`${p}.command`, ''));
      break;
    case 'httpGet':
      if (!a.path) errs.push(fieldError.required(`${p}.path`, ''));
      errs.push(...validatePortNumOrName(a.port, `${p}.port`));
      errs.push(...oneOf(a.scheme, ['HTTP', 'HTTPS'], `${p}.scheme`));
      list(a.httpHeaders).forEach((hd: any, i: number) => {
        if (!hd?.name || !/^[-A-Za-z0-9]+$/.test(hd.name)) {
          errs.push(fieldError.invalid(`${p}.httpHeaders[${i}].name`, hd?.name ?? '', 'a valid HTTP header must consist of alphanumeric characters or \'-\' (e.g. \'X-Header-Name\', regex used for validation is \'[-A-Za-z0-9]+\')'));
        }
      });
      break;
    case 'tcpSocket':
      errs.push(...validatePortNumOrName(a.port, `${p}.port`));
      break;
    case 'grpc':
      for (const m of isValidPortNum(a.port)) errs.push(fieldError.invalid(`${p}.port`, a.port, m));
      break;
    case 'sleep':
      if (typeof a.seconds !== 'number' || a.seconds < 0) errs.push(fieldError.invalid(`${p}.seconds`, a.seconds ?? null, IS_NEGATIVE));
      break;
  }
  return errs;
}

function validateProbe(probe: any, path: string): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(probe[f], `${path}.${f}`));
  }
  if (typeof probe.terminationGracePeriodSeconds === 'number' && probe.terminationGracePeriodSeconds <= 0) {
    errs.push(fieldError.invalid(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

function validateLifecycle(lc: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!lc) return errs;
  for (const hook of ['postStart', 'preStop']) {
    if (lc[hook]) errs.push(...validateHandler(lc[hook], `${path}.${hook}`, ['exec', 'httpGet', 'tcpSocket', 'sleep']));
  }
  return errs;
}

/** IDs are int32 and non-negative. */
export function validateID(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && (v < 0 || v > 2147483647) ? [fieldError.invalid(path, v, inclusiveRangeError(0, 2147483647))] : [];
}

function validateSecurityContext(sc: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc) return errs;
  errs.push(...validateID(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...validateID(sc.runAsGroup, `${path}.runAsGroup`));
  errs.push(...oneOf(sc.procMount, ['Default', 'Unmasked'], `${path}.procMount`));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(fieldError.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if ((sc.capabilities?.add ?? []).includes('CAP_SYS_ADMIN')) {
      errs.push(fieldError.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  if (sc.seccompProfile) errs.push(...validateSeccompProfile(sc.seccompProfile, `${path}.seccompProfile`));
  return errs;
}

export function validateSeccompProfile(p: any, path: string): FieldError[] {
  const errs = requiredOneOf(p.type, ['Localhost', 'RuntimeDefault', 'Unconfined'], `${path}.type`);
  if (p.type === 'Localhost' && !p.localhostProfile) errs.push(fieldError.required(`${path}.localhostProfile`, 'must be set when seccomp type is Localhost'));
  if (p.type !== 'Localhost' && p.localhostProfile) errs.push(fieldError.invalid(`${path}.localhostProfile`, p.localhostProfile, 'can only be set when seccomp type is Localhost'));
  return errs;
}

/** Validates one container, regular or init as `ctx.init` says. */
export function validateContainer(ctr: any, path: string, ctx: ContainerContext): FieldError[] {
  const init = ctx.init;
  const c = ctr ?? {};
  const errs: FieldError[] = [];
  if (!c.name) {
    errs.push(fieldError.required(`${path}.name`, ''));
  } else {
    for (const m of isDNS1123Label(c.name)) errs.push(fieldError.invalid(`${path}.name`, c.name, m));
    if (ctx.names.has(c.name)) errs.push(fieldError.duplicate(`${path}.name`, c.name));
    else ctx.names.add(c.name);
  }
  if (!c.image) errs.push(fieldError.required(`${path}.image`, ''));
  else if (typeof c.image !== 'string') errs.push(fieldError.invalid(`${path}.image`, c.image, NOT_A_STRING));
  else if (ctx.isPod && c.image.trim() !== c.image) errs.push(fieldError.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  errs.push(...requiredOneOf(c.imagePullPolicy, PULL_POLICIES, `${path}.imagePullPolicy`));
  if (!c.terminationMessagePolicy) {
    errs.push(fieldError.required(`${path}.terminationMessagePolicy`, "must be 'File' or 'FallbackToLogsOnError'"));
  } else if (c.terminationMessagePolicy !== 'File' && c.terminationMessagePolicy !== 'FallbackToLogsOnError') {
    errs.push(fieldError.invalid(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, "must be 'File' or 'FallbackToLogsOnError'"));
  }
  errs.push(...validatePorts(c.ports, `${path}.ports`, ctx.hostNetwork));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, ctx.volumes, `${path}.volumeMounts`));
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));

  const sidecar = init && c.restartPolicy === 'Always';
  if (init) {
    if (c.restartPolicy !== undefined && c.restartPolicy !== null && c.restartPolicy !== 'Always') {
      errs.push(fieldError.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
    }
    if (!sidecar) {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f]) errs.push(fieldError.forbidden(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
      return errs;
    }
  } else if (c.restartPolicy) {
    errs.push(fieldError.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  }
  errs.push(...validateLifecycle(c.lifecycle, `${path}.lifecycle`));
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`));
  for (const f of ['livenessProbe', 'startupProbe']) {
    if (c[f] && c[f].successThreshold !== undefined && c[f].successThreshold !== 1) {
      errs.push(fieldError.invalid(`${path}.${f}.successThreshold`, c[f].successThreshold, 'must be 1'));
    }
  }
  if (c.readinessProbe?.terminationGracePeriodSeconds !== undefined) {
    errs.push(fieldError.invalid(`${path}.readinessProbe.terminationGracePeriodSeconds`, c.readinessProbe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  return errs;
}
