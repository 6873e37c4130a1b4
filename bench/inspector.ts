/**
 * A Chrome DevTools Protocol session with a process started with --inspect (its CPU and heap
 * profilers, heap usage), for the benchmarks that look inside the control plane. Node 20's
 * global WebSocket needs --experimental-websocket: the benchmarks that use this say so.
 */
import { spawn } from 'node:child_process';

export class Inspector {
  private id = 0;
  private readonly pending = new Map<number, { resolve(result: any): void; reject(err: Error): void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (m) => {
      const d = JSON.parse(String(m.data));
      const waiter = d.id && this.pending.get(d.id);
      if (!waiter) return;
      this.pending.delete(d.id);
      if (d.error) waiter.reject(new Error(d.error.message));
      else waiter.resolve(d.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    for (let attempt = 0; ; attempt++) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
        const ws = new WebSocket(list[0].webSocketDebuggerUrl);
        await new Promise((resolve, reject) => {
          ws.addEventListener('open', resolve);
          ws.addEventListener('error', reject);
        });
        return new Inspector(ws);
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  post(method: string, params: object = {}): Promise<any> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Runs `main` here when this Node has the WebSocket global the inspector client needs, and
 * otherwise again in a child with --experimental-websocket (Node 20), passing signals on.
 */
export async function runWithWebSocket(main: () => Promise<void>): Promise<void> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'undefined') return main();
  const child = spawn(process.execPath, ['--experimental-websocket', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 1));
}
