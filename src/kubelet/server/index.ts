/**
 * The kubelet's HTTPS API that the API server proxies streaming requests to: container logs,
 * exec and attach (the remote-command protocol over WebSocket, v5/v4, or over SPDY for older
 * clients), and port-forward (SPDY, plain or tunnelled through a WebSocket, and the WebSocket
 * channel protocol).
 */
export { startKubeletServer, type KubeletPod, type KubeletServerOptions, type RunningKubeletServer } from './kubelet-server.ts';
