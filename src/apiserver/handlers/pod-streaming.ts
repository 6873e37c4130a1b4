/**
 * The pod subresources the node's kubelet serves — log, exec, attach, portforward — as the API
 * server answers them: check the request against the pod (which container, is it scheduled,
 * has the container started), find the node's kubelet, and relay to it (kubelet-proxy.ts).
 * Logs are a plain GET; exec, attach and portforward arrive as upgrade requests (WebSocket, or
 * SPDY from older clients) through the server's `upgrade` event.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import type { UserInfo } from '../auth/authenticate.ts';
import type { RequestContext, ServerParts } from '../context.ts';
import { toStatusError } from '../context.ts';
import { badRequest, notFound, pathNotFound, serviceUnavailable, StatusError } from '../errors.ts';
import { kubeletAddress, proxyKubeletGet, proxyKubeletUpgrade, type KubeletAddress } from '../kubelet-proxy.ts';
import type { KObject } from '../registry/object-store.ts';
import type { RequestInfo } from '../request-info.ts';

/** An upgrade request, authenticated and parsed; the socket is the client's raw connection. */
export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  info: RequestInfo;
  query: URLSearchParams;
  user: UserInfo;
  parts: ServerParts;
}

const UPGRADED = new Set(['exec', 'attach', 'portforward']);
/** Query parameters of pods/log the kubelet understands. */
const LOG_PARAMETERS = ['follow', 'previous', 'sinceSeconds', 'sinceTime', 'timestamps', 'tailLines', 'limitBytes'];

/** GET pods/{name}/log, and a non-upgrade request for exec/attach/portforward (refused). */
export async function handleStreaming(ctx: RequestContext): Promise<void> {
  const sub = ctx.info.subresource;
  if (UPGRADED.has(sub)) throw badRequest(`pods/${sub} needs a connection upgrade (WebSocket or SPDY): use kubectl ${sub === 'portforward' ? 'port-forward' : sub}`);
  if (sub !== 'log') {
    throw serviceUnavailable(`pods/${sub} is not served: the API server does not proxy to pods`);
  }
  if ((ctx.req.method ?? 'GET') !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'pods/log supports only GET');
  const pod = await readPod(ctx.parts, ctx.info);
  const container = chooseContainer(pod, ctx.query.get('container') ?? undefined);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) {
    // Upstream answers an unscheduled pod's log with an empty body.
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
    ctx.res.end();
    return;
  }
  // As upstream: the node first (a pod bound to a node that does not exist is a 404 on the node).
  const address = await kubeletOf(ctx.parts, nodeName);
  checkLogStatus(pod, container, ctx.query.get('previous') === 'true');
  const params = new URLSearchParams();
  for (const name of LOG_PARAMETERS) {
    const value = ctx.query.get(name);
    if (value !== null) params.set(name, value);
  }
  const path = `/containerLogs/${seg(pod.metadata!.namespace!)}/${seg(pod.metadata!.name!)}/${seg(container)}${params.size ? `?${params}` : ''}`;
  await proxyKubeletGet(ctx.res, nodeName, address, path, credentials(ctx.parts));
}

/** An upgrade request: pods/exec, pods/attach, pods/portforward, relayed to the kubelet. */
export async function handleStreamingUpgrade(ctx: UpgradeContext): Promise<void> {
  const { info } = ctx;
  const podsResource = info.isResourceRequest && info.group === '' && info.version === 'v1' && info.resource === 'pods';
  if (!podsResource || !info.name || !info.namespace) throw pathNotFound();
  if (!UPGRADED.has(info.subresource)) throw badRequest(`connection upgrades are served only for pods/exec, pods/attach and pods/portforward, not ${info.resource}${info.subresource ? `/${info.subresource}` : ''}`);
  const pod = await readPod(ctx.parts, info);
  const nodeName = pod.spec?.nodeName;
  const ns = seg(info.namespace);
  const name = seg(info.name);
  let path: string;
  const query = new URLSearchParams(ctx.query);
  if (info.subresource === 'portforward') {
    if (!nodeName) throw badRequest(`pod ${info.name} does not have a host assigned`);
    path = `/portForward/${ns}/${name}`;
  } else {
    const container = chooseContainer(pod, query.get('container') ?? undefined);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw badRequest(`cannot ${info.subresource} into a container in a completed pod; current phase is ${phase}`);
    }
    if (!nodeName) throw badRequest(`pod ${info.name} does not have a host assigned`);
    query.delete('container');
    path = `/${info.subresource}/${ns}/${name}/${seg(container)}`;
  }
  const address = await kubeletOf(ctx.parts, nodeName);
  await proxyKubeletUpgrade(ctx.req, ctx.socket, ctx.head, nodeName, address, `${path}${query.size ? `?${query}` : ''}`, credentials(ctx.parts));
}

/** Answers a failed upgrade request with its Status on the raw socket, then closes it. */
export function rejectUpgrade(socket: Duplex, err: unknown, log?: (line: string) => void): void {
  const se = toStatusError(err);
  if (se.code >= 500 && log && se.reason === 'InternalError') log(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  const body = JSON.stringify(se.toStatus());
  if (socket.destroyed || !socket.writable) return;
  socket.end(
    `HTTP/1.1 ${se.code} ${se.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The container a request is about: the one named, or the pod's only container.
 * @throws StatusError 400 when none is named and there is a choice, or the name is not in the pod
 */
export function chooseContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const initContainers = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (initContainers.length) message += ` or one of the init containers: [${initContainers.join(' ')}]`;
    if (ephemeral.length) message += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw badRequest(message);
  }
  if (![...containers, ...initContainers, ...ephemeral].includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/**
 * Whether the container has a log to show, judged from the pod's status as the kubelet does:
 * a container still waiting with nothing before it has none, `previous` needs a terminated
 * earlier attempt. A crash-looping container (waiting, with a last state) shows its last run.
 * @throws StatusError 400 with upstream's wording
 */
export function checkLogStatus(pod: Pod, container: string, previous: boolean): void {
  if (!pod.spec?.nodeName) return;
  const podName = pod.metadata?.name ?? '';
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  const status = statuses.find((s) => s.name === container);
  const lastTerminated = status?.lastState?.terminated;
  if (previous) {
    if (!lastTerminated) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return;
  }
  const state = status?.state;
  if (state?.running || state?.terminated || lastTerminated) return;
  const reason = state?.waiting?.reason ?? 'ContainerCreating';
  if (reason === 'ErrImagePull') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
  if (reason === 'ImagePullBackOff') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
}

async function readPod(parts: ServerParts, info: RequestInfo): Promise<Pod> {
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw new Error('pods missing from the catalogue');
  return (await parts.registry.get(pods, info.namespace, info.name)) as Pod;
}

/** The kubelet address of node `nodeName`. */
async function kubeletOf(parts: ServerParts, nodeName: string): Promise<KubeletAddress> {
  const nodes = findResource('', 'v1', 'nodes');
  if (!nodes) throw new Error('nodes missing from the catalogue');
  let node: KObject;
  try {
    node = await parts.registry.get(nodes, '', nodeName);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) throw notFound({ group: '', resource: 'nodes', name: nodeName });
    throw err;
  }
  const address = kubeletAddress(node as Node);
  if (!address) throw serviceUnavailable(`node "${nodeName}" reports no address to reach its kubelet at`);
  return address;
}

function credentials(parts: ServerParts) {
  if (!parts.kubeletClient) throw serviceUnavailable('this API server has no kubelet client certificate, so it cannot reach kubelets');
  return parts.kubeletClient;
}

function seg(s: string): string {
  return encodeURIComponent(s);
}
