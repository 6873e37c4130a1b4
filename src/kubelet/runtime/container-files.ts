/**
 * Where a container's files live under the runtime's root: `rootDir/containers/<id>/` holds the
 * OCI bundle (config.json, the overlay's rootfs/upper/work), the stdio FIFOs, and the files the
 * container's monitor leaves behind (runc's pid file, the exit code, runc's own log). Everything a
 * restarted kubelet needs to report a container is in this directory, so nothing lives in memory.
 */
import { join } from 'node:path';

/** Paths of one container's files. */
export interface ContainerFiles {
  dir: string;
  /** The OCI runtime spec (bundle config). */
  config: string;
  /** Overlay mount point (the bundle's root.path), and the overlay's writable layer and work dir. */
  rootfs: string;
  upper: string;
  work: string;
  /** FIFOs handed to the container as fds 1, 2 (and 0 when it has stdin). */
  stdout: string;
  stderr: string;
  stdin: string;
  /** FIFO the monitor waits on between create and start. */
  start: string;
  /** Written by runc once the container's init exists; its mtime is the start time. */
  pid: string;
  /** The monitor's pid (monitor.ts), to tell "created", "exiting right now" and "monitor gone" apart. */
  monitorPid: string;
  /** Written by the monitor when runc returns: the exit status; its mtime is the finish time. */
  exit: string;
  /** runc's JSON log: the reason when the container could not start. */
  runcLog: string;
}

/** The files of container `id` under `rootDir`. */
export function containerFiles(rootDir: string, id: string): ContainerFiles {
  const dir = join(rootDir, 'containers', id);
  return {
    dir,
    config: join(dir, 'config.json'),
    rootfs: join(dir, 'rootfs'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
    stdin: join(dir, 'stdin'),
    start: join(dir, 'start'),
    pid: join(dir, 'pid'),
    monitorPid: join(dir, 'monitor.pid'),
    exit: join(dir, 'exit'),
    runcLog: join(dir, 'runc.log'),
  };
}

/** Annotation keys the runtime writes into each bundle's config.json so a restart can adopt it. */
export const annotationKeys = {
  podUid: 'io.skiff.pod.uid',
  podNamespace: 'io.skiff.pod.namespace',
  podName: 'io.skiff.pod.name',
  sandboxId: 'io.skiff.sandbox.id',
  containerName: 'io.skiff.container.name',
  attempt: 'io.skiff.container.attempt',
  createdAt: 'io.skiff.container.created',
  image: 'io.skiff.image',
  imageId: 'io.skiff.image.id',
  logPath: 'io.skiff.log.path',
  stdin: 'io.skiff.container.stdin',
  runtime: 'io.skiff.runtime',
} as const;

/** Whether an annotation is the runtime's own (hidden from ContainerStatus.annotations). */
export function isRuntimeAnnotation(key: string): boolean {
  return key.startsWith('io.skiff.');
}
