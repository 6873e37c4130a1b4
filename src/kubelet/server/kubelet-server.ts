/**
 * The kubelet's HTTPS API, the one the API server proxies `kubectl logs/exec/attach/port-forward`
 * to (upstream's paths):
 *   GET /containerLogs/{ns}/{pod}/{container}?follow&tailLines&timestamps&sinceSeconds&sinceTime&previous&limitBytes
 *   /exec/{ns}/{pod}/{container}?command=..&stdin&stdout&stderr&tty   (WebSocket v5/v4.channel.k8s.io, or SPDY v4)
 *   /attach/{ns}/{pod}/{container}?stdin&stdout&stderr&tty            (the same)
 *   /portForward/{ns}/{pod}                                           (WebSocket-tunnelled or plain SPDY; ?ports= for the channel protocol)
 * Every request needs a client certificate from the cluster CA, and only the API server's
 * kubelet client (`system:kube-apiserver-kubelet-client`) or a cluster admin
 * (`system:masters`) may use it: upstream asks the API server (SubjectAccessReview on
 * nodes/proxy), which grants exactly those by default.
 */
import { X509Certificate } from 'node:crypto';
import { constants, existsSync, openSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { Socket, type AddressInfo } from 'node:net';
import { Writable, type Duplex } from 'node:stream';
import { hostname } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { createCertificateAuthority, issueCertificate } from '../../apiserver/auth/certificates.ts';
import { readLogs } from '../logs/read-logs.ts';
import { dialInNetns } from '../netns-dial.ts';
import type { ContainerRuntime, PodRef } from '../runtime/runtime.ts';
import { chooseProtocol, exitStatus, REMOTE_COMMAND_PROTOCOLS, type ExecStatus } from './channel-protocol.ts';
import { badRequest, forbidden, KubeletStatusError, notFound, unauthorized, writeStatus, writeUpgradeStatus } from './kubelet-status.ts';
import { serveChannelPortForward, serveSpdyPortForward, serveTunnelledPortForward, type PortForwardTarget } from './port-forward.ts';
import { serveRemoteCommand, type SessionStreams, type StreamOptions } from './remote-command.ts';
import { serveSpdyRemoteCommand, spdyUpgradeResponse, SPDY_REMOTE_COMMAND_PROTOCOLS } from './spdy-remote-command.ts';

/** What the server needs to know about a pod on this node. */
export interface KubeletPod {
  uid: string;
  /** The pod's network namespace; undefined for hostNetwork pods. */
  netnsPath?: string;
  /** Container name → id of its current (latest) runtime container. */
  containers: Record<string, string>;
}

export interface KubeletServerOptions {
  /** 0 picks a free port (default 10250 upstream). */
  port: number;
  /** Listen address (default all). */
  host?: string;
  /** Serving certificate; when absent a self-signed one is made at start. */
  tls?: { certPem: string; keyPem: string };
  /** The cluster CA: client certificates must be signed by it. */
  clientCaPem: string;
  runtime: Pick<ContainerRuntime, 'exec' | 'containerStatus'>;
  logs: {
    /** The log file of a container's current attempt, or with `previous` of the one before; undefined when none. */
    pathFor(pod: PodRef, container: string, previous: boolean): string | undefined | Promise<string | undefined>;
  };
  /** The pod by namespace and name, when it runs on this node. */
  podLookup(namespace: string, name: string): KubeletPod | undefined | Promise<KubeletPod | undefined>;
  /** The stdin FIFO of a container started with `stdin: true` (for attach); undefined otherwise. */
  containerStdin?(containerId: string): string | undefined;
  /** Connects to a port in a pod's network namespace (default: netns-dial.ts on 127.0.0.1). */
  dial?(netnsPath: string | undefined, port: number): Promise<Duplex>;
  /** For unexpected failures. */
  log?: (line: string) => void;
}

export interface RunningKubeletServer {
  port: number;
  stop(): Promise<void>;
}

/** Users allowed through (see the module comment). */
const API_SERVER_CLIENT = 'system:kube-apiserver-kubelet-client';
const MASTERS = 'system:masters';
const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const PORT_FORWARD_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];

/** Starts the kubelet's HTTPS server. */
export async function startKubeletServer(options: KubeletServerOptions): Promise<RunningKubeletServer> {
  const tls = options.tls ?? (await selfSignedServingCertificate());
  const log = options.log ?? (() => undefined);
  const server = createServer(
    { cert: tls.certPem, key: tls.keyPem, ca: [options.clientCaPem], requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.2' },
    (req, res) => {
      handleRequest(req, res).catch((err) => {
        logUnexpected(req, err);
        writeStatus(res, err);
      });
    },
  );
  server.requestTimeout = 0;
  // The route picks the subprotocol before the handshake and it is answered here, not by ws:
  // ws refuses `SPDY/3.1+portforward.k8s.io` (a '/' is not allowed in an RFC 6455 token), which
  // is exactly what kubectl offers for port-forward.
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const protocol = chosenProtocol.get(req);
    if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
  });
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((err) => {
      logUnexpected(req, err);
      writeUpgradeStatus(socket, err);
    });
  });

  /** Answers the client either way; only failures that are not a deliberate Status are worth a log line. */
  function logUnexpected(req: IncomingMessage, err: unknown): void {
    if (!(err instanceof KubeletStatusError)) log(`kubelet server: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : err}`);
  }

  const dial = options.dial ?? ((netns, port) => dialInNetns(netns, '127.0.0.1', port, { timeoutMs: 10_000 }));

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    authorize(req);
    const route = parseRoute(req.url ?? '/');
    if (route.kind !== 'containerLogs') throw badRequest(`${route.kind} requires a WebSocket (or SPDY) upgrade`);
    if (req.method !== 'GET') throw new KubeletStatusError(405, 'MethodNotAllowed', 'only GET is allowed');
    await serveLogs(route, res);
  }

  async function serveLogs(route: Route, res: ServerResponse): Promise<void> {
    const { pod, containerId } = await findContainer(route);
    const q = route.query;
    const previous = flag(q, 'previous');
    const path = await options.logs.pathFor({ uid: pod.uid, namespace: route.namespace, name: route.pod }, route.container!, previous);
    if (!path) {
      throw badRequest(
        previous
          ? `previous terminated container "${route.container}" in pod "${route.pod}" not found`
          : `container "${route.container}" in pod "${route.pod}" is waiting to start: ContainerCreating`,
      );
    }
    const sinceSeconds = intParam(q, 'sinceSeconds');
    const sinceTimeText = q.get('sinceTime');
    const sinceTime = sinceSeconds !== undefined ? new Date(Date.now() - sinceSeconds * 1000) : sinceTimeText ? new Date(sinceTimeText) : undefined;
    if (sinceTime && Number.isNaN(sinceTime.getTime())) throw badRequest(`invalid sinceTime ${JSON.stringify(sinceTimeText)}`);
    const follow = flag(q, 'follow') && !previous;
    const aborter = new AbortController();
    res.on('close', () => aborter.abort());
    const readOptions = {
      follow,
      tailLines: intParam(q, 'tailLines'),
      timestamps: flag(q, 'timestamps'),
      limitBytes: intParam(q, 'limitBytes'),
      sinceTime,
      signal: aborter.signal,
      containerRunning: async () => isRunning(containerId),
    };
    if (!existsSync(path)) throw badRequest(`container "${route.container}" in pod "${route.pod}" has no log yet`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    // A follower must see the headers now, not with the first line the container prints.
    res.flushHeaders();
    await readLogs(path, res, readOptions);
    res.end();
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    authorize(req);
    const route = parseRoute(req.url ?? '/');
    if (route.kind === 'containerLogs') throw badRequest('containerLogs is a plain GET');
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (route.kind === 'portForward') {
      const pod = await findPod(route);
      const target: PortForwardTarget = {
        dial: (port) => dial(pod.netnsPath, port),
        podName: `${route.namespace}/${route.pod}`,
        podUid: pod.uid,
      };
      if (upgrade === 'spdy/3.1') {
        socket.write(spdyUpgradeResponse('portforward.k8s.io'));
        if (head.length) socket.unshift(head);
        serveSpdyPortForward(socket, target);
        return;
      }
      const offered = offeredProtocols(req);
      if (offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
        const ws = await accept(req, socket, head, PORT_FORWARD_TUNNEL_PROTOCOL);
        serveTunnelledPortForward(ws, target);
        return;
      }
      const channel = chooseProtocol(offered, PORT_FORWARD_CHANNEL_PROTOCOLS);
      if (!channel) throw badRequest(`unsupported port-forward protocols ${JSON.stringify(offered)}: speak ${PORT_FORWARD_TUNNEL_PROTOCOL} or ${PORT_FORWARD_CHANNEL_PROTOCOLS.join(', ')}`);
      const ports = route.query.getAll('ports').flatMap((p) => p.split(',')).map((p) => Number(p));
      if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) throw badRequest('query parameter "ports" must name one or more ports (1-65535)');
      const ws = await accept(req, socket, head, channel);
      serveChannelPortForward(ws, ports, target);
      return;
    }

    const { containerId } = await findContainer(route);
    const q = route.query;
    const streams: StreamOptions = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty') };
    if (!streams.stdin && !streams.stdout && !streams.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
    const spdy = upgrade === 'spdy/3.1';
    const offered = spdy ? listHeader(req.headers['x-stream-protocol-version']) : offeredProtocols(req);
    const supported = spdy ? SPDY_REMOTE_COMMAND_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
    const protocol = chooseProtocol(offered, supported);
    if (!protocol) throw badRequest(`unsupported remote command protocols ${JSON.stringify(offered)}: speak ${supported.join(', ')}`);
    if (!(await isRunning(containerId))) throw badRequest(`container "${route.container}" in pod "${route.pod}" is not running`);
    const run = route.kind === 'exec' ? execSession(route, containerId, streams) : await attachSession(route, containerId, streams);
    if (spdy) {
      socket.write(spdyUpgradeResponse(protocol));
      if (head.length) socket.unshift(head);
      await serveSpdyRemoteCommand(socket, streams, run);
      return;
    }
    const ws = await accept(req, socket, head, protocol);
    await serveRemoteCommand(ws, protocol, streams, run);
  }

  /** exec: the command, run by the runtime in the container. */
  function execSession(route: Route, containerId: string, streams: StreamOptions): SessionRunner {
    const command = route.query.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least one command for the container');
    return async (s) => {
      const { exitCode } = await options.runtime.exec(containerId, command, {
        tty: streams.tty,
        stdin: s.stdin,
        stdout: s.stdout,
        stderr: s.stderr,
        resize: s.resize,
        signal: s.signal,
      });
      return exitStatus(exitCode, command);
    };
  }

  /** attach: the container's stdin FIFO for input, its log from now on for output. */
  async function attachSession(route: Route, containerId: string, streams: StreamOptions): Promise<SessionRunner> {
    const stdinFifo = streams.stdin ? options.containerStdin?.(containerId) : undefined;
    if (streams.stdin && !stdinFifo) throw badRequest(`container "${route.container}" in pod "${route.pod}" was not started with stdin: true, so there is nothing to attach stdin to`);
    const pod = await findPod(route);
    const logPath = await options.logs.pathFor({ uid: pod.uid, namespace: route.namespace, name: route.pod }, route.container!, false);
    if (!logPath) throw badRequest(`container "${route.container}" in pod "${route.pod}" has no log`);
    return async (s) => {
      const input = stdinFifo ? openFifoForWriting(stdinFifo) : undefined;
      try {
        const sink = new NullWritable();
        await readLogs(
          logPath,
          { stdout: s.stdout ?? sink, stderr: s.stderr ?? s.stdout ?? sink },
          {
            follow: true,
            tailLines: 0,
            signal: s.signal,
            containerRunning: async () => isRunning(containerId),
            // Input flows only once output is watched, so the reply to it is not lost.
            onFollowing: () => (input ? s.stdin?.pipe(input) : undefined),
          },
        );
        return exitStatus(0);
      } finally {
        if (input) s.stdin?.unpipe(input);
        input?.destroy();
      }
    };
  }

  /** Completes the WebSocket handshake with `protocol`. */
  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
    chosenProtocol.set(req, protocol);
    delete req.headers['sec-websocket-protocol'];
    return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  }

  async function findPod(route: Route): Promise<KubeletPod> {
    const pod = await options.podLookup(route.namespace, route.pod);
    if (!pod) throw notFound(`pod "${route.pod}" in namespace "${route.namespace}" is not running on this node`);
    return pod;
  }

  async function findContainer(route: Route): Promise<{ pod: KubeletPod; containerId: string }> {
    const pod = await findPod(route);
    const containerId = pod.containers[route.container!];
    if (!containerId) throw badRequest(`container "${route.container}" in pod "${route.pod}" is waiting to start: ContainerCreating`);
    return { pod, containerId };
  }

  async function isRunning(containerId: string): Promise<boolean> {
    const status = await options.runtime.containerStatus(containerId);
    return status?.state === 'running' || status?.state === 'created';
  }

  function authorize(req: IncomingMessage): void {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) throw unauthorized();
    const peer = socket.getPeerCertificate();
    const cert = new X509Certificate(peer.raw);
    const subject = parseSubject(cert.subject);
    if (subject.commonName !== API_SERVER_CLIENT && !subject.organizations.includes(MASTERS)) {
      throw forbidden(`user "${subject.commonName}" is not allowed to use the kubelet API (nodes/proxy)`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A parsed kubelet API path. */
interface Route {
  kind: 'containerLogs' | 'exec' | 'attach' | 'portForward';
  namespace: string;
  pod: string;
  container?: string;
  query: URLSearchParams;
}

/** Parses `/{kind}/{ns}/{pod}[/{uid}]/{container}` (portForward: `/portForward/{ns}/{pod}[/{uid}]`). */
export function parseRoute(url: string): Route {
  const parsed = new URL(url, 'https://kubelet.invalid');
  const parts = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const kind = parts[0];
  if (kind === 'portForward' && (parts.length === 3 || parts.length === 4)) {
    return { kind, namespace: parts[1], pod: parts[2], query: parsed.searchParams };
  }
  if ((kind === 'containerLogs' || kind === 'exec' || kind === 'attach') && (parts.length === 4 || parts.length === 5)) {
    return { kind, namespace: parts[1], pod: parts[2], container: parts[parts.length - 1], query: parsed.searchParams };
  }
  throw notFound(`the kubelet serves no ${JSON.stringify(parsed.pathname)}`);
}

function offeredProtocols(req: IncomingMessage): string[] {
  return listHeader(req.headers['sec-websocket-protocol']);
}

/** A comma-separated (or repeated) header's values. */
function listHeader(value: string | string[] | undefined): string[] {
  return [value ?? '']
    .flat()
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}

type SessionRunner = (streams: SessionStreams) => Promise<ExecStatus>;

/** Upstream's boolean query parameters: present and "true" or "1". */
function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer, not ${JSON.stringify(v)}`);
  return n;
}

function parseSubject(subject: string): { commonName: string; organizations: string[] } {
  const lines = subject.split('\n');
  return {
    commonName: lines.find((l) => l.startsWith('CN='))?.slice(3) ?? '',
    organizations: lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2)),
  };
}

/**
 * Opens a container's stdin FIFO for writing without blocking; the container holds it open
 * (read-write), so there is always a reader.
 */
function openFifoForWriting(path: string): Socket {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: false, writable: true });
  socket.on('error', () => socket.destroy());
  return socket;
}

/** Discards what the client did not ask to see. */
class NullWritable extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

/** A throwaway serving certificate for a kubelet that was not given one (the API server does not verify it). */
async function selfSignedServingCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const ca = await createCertificateAuthority(`kubelet-ca@${Math.floor(Date.now() / 1000)}`, { days: 365 });
  const name = hostname().toLowerCase();
  return issueCertificate(ca, {
    subject: { commonName: `${name}@${Math.floor(Date.now() / 1000)}` },
    usage: 'server',
    days: 365,
    sans: { dns: /^[a-z0-9.-]+$/.test(name) ? [name, 'localhost'] : ['localhost'], ips: ['127.0.0.1'] },
  });
}
