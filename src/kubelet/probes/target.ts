/**
 * What a probe or lifecycle hook acts on: a running container of a pod, and how to reach it —
 * through the runtime (exec) or over TCP inside the pod's network namespace (httpGet,
 * tcpSocket).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/runtime.ts';

export interface ProbeTarget {
  runtime: Pick<ContainerRuntime, 'exec'>;
  containerId: string;
  /** The pod's network namespace; undefined for hostNetwork pods (and for tests on the host). */
  netnsPath?: string;
  /** The pod's IP once it has one; until then probes go to 127.0.0.1 inside the namespace. */
  podIP?: string;
  pod: Pod;
  container: Container;
}

/** The most of a probe's or hook's output kept, as upstream (10 KiB). */
export const MAX_OUTPUT_BYTES = 10 * 1024;

/** Collects up to {@link MAX_OUTPUT_BYTES} of what is written to it, dropping the rest. */
export function boundedOutput(): { chunks: Buffer[]; text(): string; write(chunk: Buffer | string): void } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    chunks,
    text: () => Buffer.concat(chunks).toString('utf8'),
    write(chunk) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size >= MAX_OUTPUT_BYTES) return;
      const part = buf.subarray(0, MAX_OUTPUT_BYTES - size);
      chunks.push(part);
      size += part.length;
    },
  };
}
