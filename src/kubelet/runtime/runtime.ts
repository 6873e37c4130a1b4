/**
 * The container runtime contract the kubelet's pod workers drive — the CRI's shape, in-process:
 * a pod sandbox (the namespaces a pod's containers share) and containers inside it. The OCI
 * implementation (oci-runtime.ts) runs each container with runc (or crun) from a bundle whose
 * rootfs is an overlay of the image's layers. Everything here is idempotent and survives a
 * kubelet restart: state lives in the runtime's root and on disk, not in this process.
 */

/** Labels every sandbox and container carries so a restarted kubelet can adopt them. */
export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

export interface SandboxConfig {
  pod: PodRef;
  /** Pod hostname (spec.hostname or the pod name), and spec.subdomain when set. */
  hostname: string;
  /** Use the node's namespaces instead of new ones. */
  hostNetwork: boolean;
  hostIPC: boolean;
  hostPID: boolean;
  /** Containers share one PID namespace (spec.shareProcessNamespace). */
  shareProcessNamespace: boolean;
  /** The containers' hostPorts (CRI's port_mappings); the pod network maps them. */
  portMappings?: PortMapping[];
  /** Pod-level cgroup parent limits are optional; per-container limits are what is enforced. */
}

/** A node port forwarded to a pod's port (a container port with hostPort set). */
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  /** Only this node address; absent for all of them. */
  hostIP?: string;
}

export interface Sandbox {
  /** Stable id: derived from the pod uid, so a restarted kubelet finds it again. */
  id: string;
  pod: PodRef;
  /** Paths of the persistent namespace files (bind mounts) containers join; absent when host. */
  netnsPath?: string;
  ipcnsPath?: string;
  utsnsPath?: string;
  /** The pod's IP, once the pod network has set it up (absent without a pod network, and for hostNetwork). */
  ip?: string;
  createdAt: Date;
}

export interface Mount {
  /** Path inside the container. */
  containerPath: string;
  /** Host path (a volume's directory or file, or a file the kubelet wrote such as /etc/hosts). */
  hostPath: string;
  readOnly: boolean;
  /** e.g. tmpfs-backed volumes are still bind mounts here; propagation is private. */
}

export interface ContainerResources {
  /** cpu.shares from requests.cpu (upstream: milli * 1024 / 1000, min 2). */
  cpuShares?: number;
  /** cpu.cfs_quota_us from limits.cpu with period 100000; undefined = no limit. */
  cpuQuotaMicros?: number;
  cpuPeriodMicros?: number;
  /** Bytes; undefined = no limit. */
  memoryLimitBytes?: number;
}

export interface ContainerConfig {
  /** The container's name in the pod spec, and which restart this is (0 first). */
  name: string;
  attempt: number;
  /** Image as written in the pod spec, and the resolved image id (sha256:...). */
  image: string;
  imageId: string;
  /** Read-only layer directories, lowest first, for the overlay rootfs. */
  rootfsLayers: string[];
  /** argv, already combined from the image's ENTRYPOINT/CMD and command/args. */
  args: string[];
  /** KEY=value, already merged image env + pod env. */
  env: string[];
  workingDir: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  mounts: Mount[];
  resources: ContainerResources;
  privileged: boolean;
  readOnlyRootFilesystem: boolean;
  /** Capabilities after add/drop, names like CAP_NET_ADMIN. */
  capabilities: string[];
  noNewPrivileges: boolean;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  /** File the container's stdout and stderr go to (CRI log format; see streaming/). */
  logPath: string;
  /** Kubernetes labels/annotations the runtime keeps with the container for adoption. */
  annotations: Record<string, string>;
}

export type ContainerStatusState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  /** Runtime id; status.containerStatuses[].containerID is `runc://<id>` (or crun://). */
  id: string;
  sandboxId: string;
  pod: PodRef;
  name: string;
  attempt: number;
  image: string;
  imageId: string;
  state: ContainerStatusState;
  /** Host PID of the container's init while running. */
  pid?: number;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** 'OOMKilled' when the memory cgroup killed it, 'Completed' for exit 0, 'Error' otherwise; set once exited. */
  reason?: string;
  /** e.g. the runtime's message when the command was not found. */
  message?: string;
  logPath: string;
  annotations: Record<string, string>;
}

export interface ExecOptions {
  /** Also used by exec probes and exec hooks (no stdin, captured output, timeout). */
  tty: boolean;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  timeoutMs?: number;
  /** Terminal size changes while a TTY exec runs. */
  resize?: AsyncIterable<{ width: number; height: number }>;
  signal?: AbortSignal;
}

export interface ContainerRuntime {
  /** e.g. { name: 'runc', version: '1.1.5' } → node.status.nodeInfo.containerRuntimeVersion `runc://1.1.5`. */
  version(): Promise<{ name: string; version: string }>;

  /** Creates (or finds, when it exists) the pod's sandbox. */
  runPodSandbox(config: SandboxConfig): Promise<Sandbox>;
  /** Stops every container of the sandbox (SIGKILL) and removes it and its namespaces. Idempotent. */
  removePodSandbox(sandboxId: string): Promise<void>;
  listPodSandboxes(): Promise<Sandbox[]>;

  /** Creates a container (bundle + `runc create`), not yet started. */
  createContainer(sandbox: Sandbox, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after gracePeriodSeconds; resolves when it has exited. */
  stopContainer(id: string, gracePeriodSeconds: number): Promise<void>;
  /** Removes an exited container and its bundle (its log file stays for --previous until the pod goes). */
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: { podUid?: string }): Promise<ContainerStatus[]>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;

  /** Runs a command in a running container; resolves with its exit code. */
  exec(id: string, argv: string[], options: ExecOptions): Promise<{ exitCode: number }>;
}
