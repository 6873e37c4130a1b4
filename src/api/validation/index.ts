/**
 * Validation: the step between defaulting and storage on every write. Given a resource
 * (from the catalogue) and the decoded, defaulted object, it lists every problem as a
 * FieldError, worded as upstream words it, for the API server to return as 422 Invalid.
 * Each kind's rules live in their own module; this file only picks the right one.
 */
import { validateHorizontalPodAutoscaler, validateHorizontalPodAutoscalerUpdate } from './horizontalpodautoscaler.ts';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressUpdate } from './ingress.ts';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
} from './rbac.ts';
import type { FieldError } from '../field-error.ts';
import type { ResourceInfo } from '../resource.ts';
import { validateConfigMap, validateConfigMapUpdate } from './configmap.ts';
import { validateCronJob, validateCronJobUpdate } from './cronjob.ts';
import { validateDaemonSet, validateDaemonSetStatusUpdate, validateDaemonSetUpdate } from './daemonset.ts';
import { validateDeployment, validateDeploymentStatusUpdate, validateDeploymentUpdate } from './deployment.ts';
import { validateEndpoints, validateEndpointsUpdate } from './endpoints.ts';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './endpointslice.ts';
import { validateCoreEvent, validateCoreEventUpdate, validateEventsV1Event, validateEventsV1EventUpdate } from './event.ts';
import { validateJob, validateJobStatusUpdate, validateJobUpdate } from './job.ts';
import { validateLease, validateLeaseUpdate } from './lease.ts';
import { validateLimitRange, validateLimitRangeUpdate } from './limitrange.ts';
import { nameIsDNSSubdomain, nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.ts';
import { validateNode, validateNodeUpdate } from './node.ts';
import { validatePersistentVolume, validatePersistentVolumeUpdate } from './persistentvolume.ts';
import { validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate } from './persistentvolumeclaim.ts';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.ts';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetStatusUpdate, validatePodDisruptionBudgetUpdate } from './poddisruptionbudget.ts';
import { validatePriorityClass, validatePriorityClassUpdate } from './priorityclass.ts';
import {
  validateReplicaSet,
  validateReplicaSetStatusUpdate,
  validateReplicaSetUpdate,
  validateReplicationController,
  validateReplicationControllerStatusUpdate,
  validateReplicationControllerUpdate,
} from './replicaset.ts';
import { validateResourceQuota, validateResourceQuotaStatusUpdate, validateResourceQuotaUpdate } from './resourcequota.ts';
import { validateSecret, validateSecretUpdate } from './secret.ts';
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './service.ts';
import { validateStatefulSet, validateStatefulSetStatusUpdate, validateStatefulSetUpdate } from './statefulset.ts';

export { parseQuantity } from './quantity.ts';

type Create = (obj: any) => FieldError[];
type Update = (obj: any, old: any) => FieldError[];

interface KindRules {
  create: Create;
  update: Update;
  /** Status writes; metadata rules alone when absent. */
  status?: Update;
}

const metadataOnlyUpdate: Update = (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata);

/** Rules per "group/Kind" ('' is the core group). */
const RULES: Record<string, KindRules> = {
  '/Namespace': { create: validateNamespace, update: validateNamespaceUpdate, status: validateNamespaceStatusUpdate },
  '/Node': { create: validateNode, update: validateNodeUpdate, status: validateNodeUpdate },
  '/Pod': { create: validatePod, update: validatePodUpdate, status: validatePodStatusUpdate },
  '/Service': { create: validateService, update: validateServiceUpdate, status: validateServiceStatusUpdate },
  '/Endpoints': { create: validateEndpoints, update: validateEndpointsUpdate },
  '/ReplicationController': {
    create: validateReplicationController,
    update: validateReplicationControllerUpdate,
    status: validateReplicationControllerStatusUpdate,
  },
  '/ConfigMap': { create: validateConfigMap, update: validateConfigMapUpdate },
  '/Secret': { create: validateSecret, update: validateSecretUpdate },
  '/Event': { create: validateCoreEvent, update: validateCoreEventUpdate },
  '/ServiceAccount': {
    create: (obj) => validateObjectMeta(obj.metadata, { namespaced: true, name: nameIsDNSSubdomain }),
    update: metadataOnlyUpdate,
  },
  '/PersistentVolume': { create: validatePersistentVolume, update: validatePersistentVolumeUpdate },
  '/PersistentVolumeClaim': { create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate },
  '/ResourceQuota': { create: validateResourceQuota, update: validateResourceQuotaUpdate, status: validateResourceQuotaStatusUpdate },
  '/LimitRange': { create: validateLimitRange, update: validateLimitRangeUpdate },
  'apps/ReplicaSet': { create: validateReplicaSet, update: validateReplicaSetUpdate, status: validateReplicaSetStatusUpdate },
  'apps/Deployment': { create: validateDeployment, update: validateDeploymentUpdate, status: validateDeploymentStatusUpdate },
  'apps/DaemonSet': { create: validateDaemonSet, update: validateDaemonSetUpdate, status: validateDaemonSetStatusUpdate },
  'apps/StatefulSet': { create: validateStatefulSet, update: validateStatefulSetUpdate, status: validateStatefulSetStatusUpdate },
  'discovery.k8s.io/EndpointSlice': { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  'coordination.k8s.io/Lease': { create: validateLease, update: validateLeaseUpdate },
  'events.k8s.io/Event': { create: validateEventsV1Event, update: validateEventsV1EventUpdate },
  'policy/PodDisruptionBudget': {
    create: validatePodDisruptionBudget,
    update: validatePodDisruptionBudgetUpdate,
    status: validatePodDisruptionBudgetStatusUpdate,
  },
  'scheduling.k8s.io/PriorityClass': { create: validatePriorityClass, update: validatePriorityClassUpdate },
  'batch/Job': { create: validateJob, update: validateJobUpdate, status: validateJobStatusUpdate },
  'batch/CronJob': { create: validateCronJob, update: validateCronJobUpdate },
  'rbac.authorization.k8s.io/Role': { create: validateRole, update: validateRoleUpdate },
  'rbac.authorization.k8s.io/ClusterRole': { create: validateClusterRole, update: validateClusterRoleUpdate },
  'rbac.authorization.k8s.io/RoleBinding': { create: validateRoleBinding, update: validateRoleBindingUpdate },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { create: validateClusterRoleBinding, update: validateClusterRoleBindingUpdate },
  'networking.k8s.io/Ingress': { create: validateIngress, update: validateIngressUpdate },
  'networking.k8s.io/IngressClass': { create: validateIngressClass, update: validateIngressClassUpdate },
  'autoscaling/HorizontalPodAutoscaler': { create: validateHorizontalPodAutoscaler, update: validateHorizontalPodAutoscalerUpdate },
};

/** Kinds without rules of their own still get upstream's generic metadata checks. */
function genericRules(resource: ResourceInfo): KindRules {
  return {
    create: (obj) => validateObjectMeta(obj.metadata, { namespaced: resource.namespaced, name: nameIsPathSegment }),
    update: metadataOnlyUpdate,
  };
}

function rulesFor(resource: ResourceInfo): KindRules {
  return RULES[`${resource.group}/${resource.kind}`] ?? genericRules(resource);
}

/** Every problem with an object about to be created (after defaults were applied). */
export function validateCreate(resource: ResourceInfo, obj: any): FieldError[] {
  return rulesFor(resource).create(obj ?? {});
}

/** Every problem with an update of `old` to `obj`: validateCreate's rules plus what may not change. */
export function validateUpdate(resource: ResourceInfo, obj: any, old: any): FieldError[] {
  return rulesFor(resource).update(obj ?? {}, old ?? {});
}

/** Problems with a write to the status subresource (spec is the old one by then). */
export function validateStatusUpdate(resource: ResourceInfo, obj: any, old: any): FieldError[] {
  const rules = rulesFor(resource);
  return (rules.status ?? metadataOnlyUpdate)(obj ?? {}, old ?? {});
}
