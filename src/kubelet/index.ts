/**
 * The node agent (kubelet): registers the Node and its Lease, runs the pods bound to it through
 * an OCI runtime (runtime/), with images (images/), volumes, env, probes and hooks, and serves
 * logs, exec, attach and port-forward (server/, logs/). `startKubelet` is its public face.
 */
export { KubeletPreflightError } from './preflight-error.ts';
export { startKubelet, type KubeletOptions, type RunningKubelet } from './kubelet.ts';
export { defaultOciRuntime } from './runtime/oci-runtime.ts';
