/**
 * Defaulting: the step between decoding and validation on every write. It fills in what
 * upstream v1.32 fills in when a field is left out (restartPolicy Always, protocol TCP,
 * Deployment strategy 25%/25%, ...), so clients read back the same objects a real cluster
 * returns. Mutates the object in place; each group's rules live in their own module.
 */
import type { ResourceInfo } from '../resource.ts';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.ts';
import { defaultHorizontalPodAutoscaler } from './autoscaling.ts';
import { defaultCronJob, defaultJob } from './batch.ts';
import { defaultIngressClass } from './networking.ts';
import { defaultBinding } from './rbac.ts';
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultReplicationController,
  defaultSecret,
} from './core.ts';
import { defaultPod } from './pod.ts';
import { defaultService } from './service.ts';
import { child, isObject, items, setDefault } from './set.ts';

type Defaulter = (obj: any) => void;

/** Defaulters per "group/Kind" ('' is the core group); kinds not listed have no defaults. */
const DEFAULTERS: Record<string, Defaulter> = {
  '/Namespace': defaultNamespace,
  '/Node': defaultNode,
  '/Pod': defaultPod,
  '/Service': defaultService,
  '/Endpoints': defaultEndpoints,
  '/ReplicationController': defaultReplicationController,
  '/Secret': defaultSecret,
  '/PersistentVolume': defaultPersistentVolume,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  '/LimitRange': defaultLimitRange,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/Deployment': defaultDeployment,
  'apps/DaemonSet': defaultDaemonSet,
  'apps/StatefulSet': defaultStatefulSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'discovery.k8s.io/EndpointSlice': (slice) => {
    for (const port of items(slice.ports)) {
      setDefault(port, 'name', '');
      setDefault(port, 'protocol', 'TCP');
    }
  },
  'scheduling.k8s.io/PriorityClass': (pc) => setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority'),
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
  'networking.k8s.io/IngressClass': defaultIngressClass,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
};

/** Fills in upstream's defaults for `resource` on `obj`, in place. */
export function applyDefaults(resource: ResourceInfo, obj: any): void {
  if (!isObject(obj)) return;
  child(obj, 'metadata');
  DEFAULTERS[`${resource.group}/${resource.kind}`]?.(obj);
}
