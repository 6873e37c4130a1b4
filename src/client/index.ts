/**
 * The client machinery every component (controllers, scheduler, kubelet, proxy) uses to talk
 * to the API server, always through its HTTP API: a typed REST client, informers (list +
 * watch + an indexed cache) shared through a factory, a rate-limited work queue and the
 * reconcile runner over it, leader election on a Lease, and an event recorder.
 */
export { ApiError, isAlreadyExists, isConflict, isInvalid, isNotFound, isResourceExpired } from './api-error.ts';
export { realClock, sleep, type Clock } from './clock.ts';
export { EventRecorder, referenceTo, type EventClient, type EventRecorderOptions, type EventType } from './event-recorder.ts';
export { Informer, listWatchFor, stripManagedFields, type EventHandler, type InformerOptions, type ListerWatcher, type Selection } from './informer.ts';
export { InformerFactory, type InformerFactoryOptions } from './informer-factory.ts';
export { loadKubeconfig, type ClusterConnection } from './kubeconfig.ts';
export { LeaderElector, type LeaderElectionOptions, type LeaseClient } from './leader-election.ts';
export { runWhileLeading, type LeadershipOptions } from './leadership.ts';
export { ItemExponentialFailureRateLimiter, type RateLimiter } from './rate-limiter.ts';
export { runReconciler, TerminalError, type Reconcile, type ReconcilerOptions, type Result } from './reconciler.ts';
export {
  RestClient,
  type DeleteOptions,
  type KubeList,
  type KubeObject,
  type ListOptions,
  type PatchType,
  type ResourceRef,
  type RestClientOptions,
  type RetryPolicy,
  type WatchOptions,
  type WriteOptions,
} from './rest-client.ts';
export {
  defaultIndexers,
  keyOf,
  LABEL_INDEX,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
  ObjectCache,
  OWNER_INDEX,
  splitKey,
  type Delta,
  type IndexFunc,
} from './store.ts';
export { NodeHttpTransport, type HttpRequest, type HttpResponse, type Transport } from './transport.ts';
export type { Watch, WatchEvent } from './watch-stream.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
