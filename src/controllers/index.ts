/**
 * The controllers: the control loops that drive the cluster towards what its objects ask for,
 * each through the API like any other client, run by the controller manager (`manager.ts`).
 */
import type { ControllerConstructor } from './controller.ts';
import { deploymentController } from './deployment.ts';
import { disruptionController } from './disruption.ts';
import { endpointsController } from './endpoints.ts';
import { endpointSliceController } from './endpointslice.ts';
import { garbageCollectorController } from './garbage-collector.ts';
import { namespaceController } from './namespace.ts';
import { nodeIpamController } from './node-ipam.ts';
import { nodeLifecycleController } from './node-lifecycle.ts';
import { podGcController } from './pod-gc.ts';
import { replicationControllerController } from './replication-controller.ts';
import { replicaSetController } from './replicaset.ts';
import { serviceLoadBalancerController } from './service-lb.ts';

export { DEFAULT_CONTROLLER_MANAGER_OPTIONS, type Controller, type ControllerConstructor, type ControllerContext, type ControllerManagerOptions } from './controller.ts';
export { startControllerManager, type ControllerManagerConfig, type RunningControllerManager } from './manager.ts';

/** Every controller `skiff server` and `skiff controller-manager` run, in start order. */
export const ALL_CONTROLLERS: readonly ControllerConstructor[] = [
  replicationControllerController,
  replicaSetController,
  deploymentController,
  endpointsController,
  endpointSliceController,
  namespaceController,
  garbageCollectorController,
  podGcController,
  nodeIpamController,
  nodeLifecycleController,
  disruptionController,
  serviceLoadBalancerController,
];
