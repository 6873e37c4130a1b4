/**
 * The container runtime: the contract the pod workers drive (runtime.ts) and its OCI
 * implementation over runc — sandboxes as persistent namespaces, containers as bundles with an
 * overlay rootfs, each started by a detached monitor that records its exit status.
 */
export type * from './runtime.ts';
export { ContainerNotFoundError, ContainerNotRunningError, cgroupV2Only, defaultOciRuntime, OciRuntime, RunContainerError, type OciRuntimeOptions } from './oci-runtime.ts';
export { ExecTimeoutError, RuncError } from './runc.ts';
export { RootfsError } from './rootfs.ts';
export { SandboxError, sandboxId, type SandboxNetwork } from './sandbox.ts';
