/**
 * A bare HTTPS client holding the admin credentials of a kubeconfig, on a keep-alive agent, so
 * benchmarks measure the API server rather than kubectl or a client library.
 */
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface Response {
  status: number;
  body: string;
}

export interface AdminClient {
  /** One request; rejects on network errors only (check `status`). */
  request(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Opens a streaming GET (a watch); `onData` gets each chunk as it arrives, `onResponse` the
   * status once headers are in. Returns a function that closes the stream.
   */
  stream(path: string, handlers: { onResponse(status: number): void; onData(chunk: string): void; onError(err: Error): void }): () => void;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/**
 * @param kubeconfigPath an admin kubeconfig (client certificate or bearer token)
 * @param maxSockets keep-alive connections per host, i.e. the most requests in flight at once
 */
export async function adminClient(kubeconfigPath: string, maxSockets: number): Promise<AdminClient> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = new URL(kc.getCurrentCluster()!.server);
  const tls: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agent = new https.Agent({ keepAlive: true, maxSockets, ca: tls.ca, cert: tls.cert, key: tls.key });
  // Watches hold their connection for as long as they run: they get sockets of their own.
  const streamAgent = new https.Agent({ keepAlive: false, ca: tls.ca, cert: tls.cert, key: tls.key });
  const headers = { ...(tls.headers as Record<string, string> | undefined), Accept: 'application/json' };
  const base = { host: server.hostname, port: server.port };

  return {
    request(method, path, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = https.request(
          { ...base, agent, method, path, headers: payload ? { ...headers, 'Content-Type': 'application/json' } : headers },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    stream(path, handlers) {
      const req = https.request({ ...base, agent: streamAgent, method: 'GET', path, headers }, (res) => {
        handlers.onResponse(res.statusCode ?? 0);
        res.setEncoding('utf8');
        res.on('data', handlers.onData);
        res.on('error', () => {});
      });
      let closed = false;
      req.on('error', (err) => {
        if (!closed) handlers.onError(err);
      });
      req.end();
      return () => {
        closed = true;
        req.destroy();
      };
    },
    close() {
      agent.destroy();
      streamAgent.destroy();
    },
  };
}

/** A stream's onData that hands each complete line to `onLine` (a watch sends one event per line). */
export function byLine(onLine: (line: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  };
}
