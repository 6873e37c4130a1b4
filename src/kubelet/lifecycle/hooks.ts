/**
 * postStart and preStop hooks: run a container's LifecycleHandler — exec a command in it, GET
 * an HTTP endpoint in its pod (any answer counts; only failing to get one is an error), or
 * sleep. A failure rejects with {@link LifecycleHookError} whose message is upstream's, e.g.
 * `Exec lifecycle hook ([sh -c exit 1]) for Container "app" in Pod "web_ns(uid)" failed -
 * error: command 'sh -c exit 1' exited with 1: , message: ""` — what the kubelet puts in the
 * FailedPostStartHook (the container is then killed) or FailedPreStopHook event.
 */
import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { realClock, sleep, type Clock } from '../../client/clock.ts';
import { podFullName } from '../container-config.ts';
import { execInContainer } from '../probes/exec-probe.ts';
import { httpGet } from '../probes/http-get.ts';
import type { ProbeTarget } from '../probes/target.ts';

/** A hook that failed; `message` is the event's text. */
export class LifecycleHookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecycleHookError';
  }
}

export interface HookOptions {
  /** How long the hook may take (for preStop: the grace period). Default: no limit. */
  timeoutMs?: number;
  /** Ends a sleep hook early (the container is being killed anyway). */
  signal?: AbortSignal;
  /** For sleep hooks. Default: the real clock. */
  clock?: Clock;
}

/** The user agent upstream sends for httpGet hooks. */
const HOOK_USER_AGENT = 'kube-lifecycle/1.32';

/** Runs `handler` against the target container; resolves when it succeeded. */
export async function runHook(handler: LifecycleHandler, target: ProbeTarget, options: HookOptions = {}): Promise<void> {
  const where = `for Container "${target.container.name}" in Pod "${podFullName(target.pod)}"`;
  if (handler.exec) {
    const argv = handler.exec.command ?? [];
    let result: Awaited<ReturnType<typeof execInContainer>>;
    try {
      result = await execInContainer(target, argv, options.timeoutMs);
    } catch (err) {
      throw new LifecycleHookError(`Exec lifecycle hook ([${argv.join(' ')}]) ${where} failed - error: ${(err as Error).message}, message: ""`);
    }
    if (result.exitCode === 0) return;
    const error = result.exitCode === undefined ? result.output : `command '${argv.join(' ')}' exited with ${result.exitCode}: ${result.stderr}`;
    const message = result.exitCode === undefined ? '' : result.output;
    throw new LifecycleHookError(`Exec lifecycle hook ([${argv.join(' ')}]) ${where} failed - error: ${error}, message: ${JSON.stringify(message)}`);
  }
  if (handler.httpGet) {
    const r = await httpGet(handler.httpGet, target, options.timeoutMs ?? 2 ** 31 - 1, HOOK_USER_AGENT);
    if (r.error !== undefined) throw new LifecycleHookError(`HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${where} failed - error: ${r.error}`);
    return;
  }
  if (handler.sleep) {
    const ms = handler.sleep.seconds * 1000;
    await sleep(options.clock ?? realClock, options.timeoutMs !== undefined ? Math.min(ms, options.timeoutMs) : ms, options.signal);
    return;
  }
  // tcpSocket is kept in the API for compatibility only; upstream never ran it either.
  throw new LifecycleHookError(`Cannot run handler: invalid handler: ${JSON.stringify(handler)}`);
}
