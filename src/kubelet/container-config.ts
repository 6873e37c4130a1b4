/**
 * The runtime's ContainerConfig for one container of a pod, as Kubernetes defines the mix of
 * pod spec and image: command replaces the image's ENTRYPOINT (and drops its CMD), args alone
 * replace CMD; `$(VAR)` in command and args expands from the container's environment; image
 * env comes first and the pod's env overrides it; the user comes from the security context,
 * else the image's USER (a name looked up in the image's /etc/passwd and /etc/group).
 * Everything here is pure: the caller resolves env, mounts and the image's files beforehand.
 */
import type { Container, Pod, SecurityContext } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/validation/quantity.ts';
import { ContainerWaitingError } from './container-waiting-error.ts';
import type { Image } from './images/image-service.ts';
import type { ContainerConfig, ContainerResources, Mount } from './runtime/runtime.ts';
import { CAPABILITY_NAMES } from './runtime/capabilities.ts';

/** Why a container cannot be created from its spec: status waiting reason CreateContainerConfigError. */
export class CreateContainerConfigError extends ContainerWaitingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CreateContainerConfigError', message, options);
    this.name = 'CreateContainerConfigError';
  }
}

export interface ContainerConfigInputs {
  pod: Pod;
  container: Container;
  image: Image;
  /** Which restart this is (0 first). */
  attempt: number;
  /** The container's env in order as KEY=value, already resolved (valueFrom, envFrom, service links). */
  env: string[];
  /** Volume mounts and the pod's files (/etc/hosts, /etc/resolv.conf, /etc/hostname). */
  mounts: Mount[];
  logPath: string;
  /** The image's /etc/passwd and /etc/group, when it has them (for a USER given by name). */
  passwd?: string;
  group?: string;
}

/** Docker's (and containerd's) default capability set, which Kubernetes containers start from. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability Linux knows: what a privileged container gets. */
export const ALL_CAPABILITIES = CAPABILITY_NAMES;

/** containerd's PATH for images that set none. */
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Builds the config; throws {@link CreateContainerConfigError} when the spec cannot run as asked. */
export function buildContainerConfig(inputs: ContainerConfigInputs): ContainerConfig {
  const { pod, container, image, attempt } = inputs;
  const env = mergeEnv(image.config.Env ?? [], inputs.env);
  const vars = new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const args = commandLine(container, image).map((s) => expand(s, vars));
  if (args.length === 0) throw new CreateContainerConfigError(`no command specified for container "${container.name}"`);
  const sc = effectiveSecurityContext(pod, container);
  const user = resolveUser(pod, sc, image.config.User ?? '', inputs.passwd, inputs.group);
  if (sc.runAsNonRoot && user.uid === 0) {
    throw new CreateContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${podFullName(pod)}", container: ${container.name})`);
  }
  const privileged = sc.privileged === true;
  return {
    name: container.name,
    attempt,
    image: container.image ?? '',
    imageId: image.id,
    rootfsLayers: image.layers,
    args,
    env,
    workingDir: container.workingDir || image.config.WorkingDir || '/',
    user,
    mounts: inputs.mounts,
    resources: containerResources(container),
    privileged,
    readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
    capabilities: privileged ? [...ALL_CAPABILITIES] : capabilities(sc),
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    tty: container.tty === true,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    logPath: inputs.logPath,
    // The runtime records what adoption needs (pod, name, attempt, image, log path) from the fields above.
    annotations: {},
  };
}

/** "name_namespace(uid)", the way the kubelet names a pod in messages. */
export function podFullName(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** argv from command/args and the image's ENTRYPOINT/CMD, before expansion. */
export function commandLine(container: Container, image: Image): string[] {
  if (container.command?.length) return [...container.command, ...(container.args ?? [])];
  const entrypoint = image.config.Entrypoint ?? [];
  return [...entrypoint, ...(container.args?.length ? container.args : (image.config.Cmd ?? []))];
}

/**
 * Kubernetes's `$(VAR)` expansion: a defined VAR is replaced, an undefined one left as written,
 * `$$` is a literal `$`, and an unclosed `$(` stays as it is.
 */
export function expand(input: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i++;
      } else {
        const name = input.slice(i + 2, close);
        out += vars.get(name) ?? `$(${name})`;
        i = close;
      }
    } else {
      out += c;
    }
  }
  return out;
}

/** Image env, then the pod's (a name set twice keeps its first place and its last value); PATH ensured. */
function mergeEnv(imageEnv: string[], podEnv: string[]): string[] {
  const merged = new Map<string, string>();
  for (const kv of [...imageEnv, ...podEnv]) {
    const eq = kv.indexOf('=');
    if (eq > 0) merged.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const env = [...merged].map(([k, v]) => `${k}=${v}`);
  return merged.has('PATH') ? env : [DEFAULT_PATH, ...env];
}

/** The container's security context over the pod's (the fields both have). */
function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  return {
    ...c,
    runAsUser: c.runAsUser ?? p.runAsUser,
    runAsGroup: c.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: c.runAsNonRoot ?? p.runAsNonRoot,
  };
}

function resolveUser(pod: Pod, sc: SecurityContext, imageUser: string, passwd?: string, group?: string): ContainerConfig['user'] {
  const [userPart, groupPart] = imageUser ? imageUser.split(':', 2) : ['', undefined];
  let uid = sc.runAsUser;
  let gid = sc.runAsGroup;
  let passwdGid: number | undefined;
  if (uid === undefined && userPart) {
    if (/^\d+$/.test(userPart)) uid = Number(userPart);
    else {
      const entry = lookup(passwd, userPart);
      if (!entry) throw new CreateContainerConfigError(`unable to find user ${userPart}: no matching entries in passwd file`);
      uid = entry.id;
      passwdGid = entry.gid;
    }
  } else if (uid !== undefined) {
    passwdGid = lookupById(passwd, uid)?.gid;
  }
  if (gid === undefined && groupPart) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = lookup(group, groupPart);
      if (!entry) throw new CreateContainerConfigError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = entry.id;
    }
  }
  const ps = pod.spec?.securityContext ?? {};
  const additional = [...(ps.supplementalGroups ?? []), ...(ps.fsGroup !== undefined ? [ps.fsGroup] : [])];
  return { uid: uid ?? 0, gid: gid ?? passwdGid ?? 0, additionalGids: [...new Set(additional)] };
}

/** A passwd or group line by name: name:x:id:gid:... */
function lookup(file: string | undefined, name: string): { id: number; gid?: number } | undefined {
  for (const line of (file ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return { id: Number(f[2]), gid: /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : undefined };
  }
  return undefined;
}

function lookupById(file: string | undefined, id: number): { gid?: number } | undefined {
  for (const line of (file ?? '').split('\n')) {
    const f = line.split(':');
    if (f[2] === String(id) && /^\d+$/.test(f[3] ?? '')) return { gid: Number(f[3]) };
  }
  return undefined;
}

/** Default set + add − drop; "ALL" in drop empties the set before adding. */
function capabilities(sc: SecurityContext): string[] {
  const norm = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  const add = (sc.capabilities?.add ?? []).map(norm);
  const drop = (sc.capabilities?.drop ?? []).map(norm);
  const set = new Set(drop.includes('CAP_ALL') ? [] : DEFAULT_CAPABILITIES);
  for (const c of add.includes('CAP_ALL') ? ALL_CAPABILITIES : add) set.add(c);
  for (const c of drop) set.delete(c);
  return [...set];
}

/** cgroup settings from requests and limits, with upstream's conversions. */
export function containerResources(container: Container): ContainerResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuRequest = requests.cpu !== undefined ? parseQuantity(requests.cpu) : undefined;
  const cpuLimit = limits.cpu !== undefined ? parseQuantity(limits.cpu) : undefined;
  const memoryLimit = limits.memory !== undefined ? parseQuantity(limits.memory) : undefined;
  const milli = (v: number) => Math.ceil(v * 1000);
  const shareMilli = cpuRequest !== undefined ? milli(cpuRequest) : cpuLimit !== undefined ? milli(cpuLimit) : 0;
  const resources: ContainerResources = { cpuShares: Math.max(2, Math.floor((shareMilli * 1024) / 1000)) };
  if (cpuLimit !== undefined) {
    resources.cpuPeriodMicros = 100_000;
    resources.cpuQuotaMicros = Math.max(1000, Math.floor((milli(cpuLimit) * 100_000) / 1000));
  }
  if (memoryLimit !== undefined) resources.memoryLimitBytes = Math.floor(memoryLimit);
  return resources;
}
