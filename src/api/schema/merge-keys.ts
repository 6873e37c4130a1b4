/**
 * Strategic-merge and list facts of the API types: which lists merge by which key, which are
 * sets, which replace wholesale. client-node's models do not carry them, so they are kept here
 * and laid over the generated schema when it loads (see loader.ts).
 *
 * Keys are "<group>.<version>.<Type>.<field>" with the group as upstream's OpenAPI names it after
 * `io.k8s.api.` ("core.v1.PodSpec.containers"), or "meta.v1.…" for apimachinery's meta types.
 * The values mirror upstream's x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key,
 * x-kubernetes-list-type and x-kubernetes-list-map-keys. A list with no entry is atomic for
 * strategic merge (replaced whole), as upstream.
 */
import type { FieldSchema } from './types.ts';

export type ListFacts = Pick<FieldSchema, 'patchStrategy' | 'patchMergeKey' | 'listType' | 'listMapKeys'>;

/** A list merged by one key, which is also its map key (the common case). */
function mergeBy(key: string, extraMapKeys: string[] = []): ListFacts {
  return { patchStrategy: 'merge', patchMergeKey: key, listType: 'map', listMapKeys: [key, ...extraMapKeys] };
}
const conditions = mergeBy('type');
const atomic: ListFacts = { listType: 'atomic' };
const set: ListFacts = { listType: 'set' };

export const MERGE_KEYS: Record<string, ListFacts> = {
  // meta.k8s.io
  'meta.v1.ObjectMeta.finalizers': { patchStrategy: 'merge', listType: 'set' },
  'meta.v1.ObjectMeta.ownerReferences': mergeBy('uid'),
  'meta.v1.ObjectMeta.managedFields': atomic,
  'meta.v1.LabelSelector.matchExpressions': atomic,
  'meta.v1.LabelSelectorRequirement.values': atomic,

  // Pods
  'core.v1.PodSpec.containers': mergeBy('name'),
  'core.v1.PodSpec.initContainers': mergeBy('name'),
  'core.v1.PodSpec.ephemeralContainers': mergeBy('name'),
  'core.v1.PodSpec.volumes': { ...mergeBy('name'), patchStrategy: 'merge,retainKeys' },
  'core.v1.PodSpec.imagePullSecrets': mergeBy('name'),
  'core.v1.PodSpec.hostAliases': mergeBy('ip'),
  'core.v1.PodSpec.topologySpreadConstraints': mergeBy('topologyKey', ['whenUnsatisfiable']),
  'core.v1.PodSpec.schedulingGates': mergeBy('name'),
  'core.v1.PodSpec.resourceClaims': { ...mergeBy('name'), patchStrategy: 'merge,retainKeys' },
  'core.v1.PodSpec.tolerations': atomic,
  'core.v1.PodSpec.readinessGates': atomic,
  'core.v1.Container.ports': mergeBy('containerPort', ['protocol']),
  'core.v1.Container.env': mergeBy('name'),
  'core.v1.Container.envFrom': atomic,
  'core.v1.Container.volumeMounts': mergeBy('mountPath'),
  'core.v1.Container.volumeDevices': mergeBy('devicePath'),
  'core.v1.Container.command': atomic,
  'core.v1.Container.args': atomic,
  'core.v1.Container.resizePolicy': atomic,
  'core.v1.Container.restartPolicyRules': atomic,
  'core.v1.EphemeralContainer.ports': mergeBy('containerPort', ['protocol']),
  'core.v1.EphemeralContainer.env': mergeBy('name'),
  'core.v1.EphemeralContainer.envFrom': atomic,
  'core.v1.EphemeralContainer.volumeMounts': mergeBy('mountPath'),
  'core.v1.EphemeralContainer.volumeDevices': mergeBy('devicePath'),
  'core.v1.EphemeralContainer.command': atomic,
  'core.v1.EphemeralContainer.args': atomic,
  'core.v1.PodStatus.conditions': conditions,
  'core.v1.PodStatus.podIPs': mergeBy('ip'),
  'core.v1.PodStatus.hostIPs': { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
  'core.v1.PodStatus.containerStatuses': atomic,
  'core.v1.PodStatus.initContainerStatuses': atomic,
  'core.v1.PodStatus.ephemeralContainerStatuses': atomic,
  'core.v1.PodStatus.resourceClaimStatuses': { ...mergeBy('name'), patchStrategy: 'merge,retainKeys' },
  'core.v1.ContainerStatus.allocatedResourcesStatus': mergeBy('name'),
  'core.v1.PodExtendedResourceClaimStatus.requestMappings': atomic,
  'core.v1.PodAffinity.requiredDuringSchedulingIgnoredDuringExecution': atomic,
  'core.v1.PodAffinity.preferredDuringSchedulingIgnoredDuringExecution': atomic,
  'core.v1.PodAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution': atomic,
  'core.v1.PodAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution': atomic,
  'core.v1.PodAffinityTerm.namespaces': atomic,
  'core.v1.PodAffinityTerm.matchLabelKeys': atomic,
  'core.v1.PodAffinityTerm.mismatchLabelKeys': atomic,
  'core.v1.NodeAffinity.preferredDuringSchedulingIgnoredDuringExecution': atomic,

  // Nodes
  'core.v1.NodeSpec.podCIDRs': { patchStrategy: 'merge', listType: 'set' },
  'core.v1.NodeSpec.taints': atomic,
  'core.v1.NodeStatus.conditions': conditions,
  'core.v1.NodeStatus.addresses': conditions,
  'core.v1.NodeStatus.images': atomic,
  'core.v1.NodeStatus.volumesInUse': atomic,
  'core.v1.NodeStatus.volumesAttached': atomic,
  'core.v1.NodeStatus.runtimeHandlers': atomic,
  'core.v1.ContainerImage.names': atomic,

  // Services and endpoints
  'core.v1.ServiceSpec.ports': mergeBy('port', ['protocol']),
  'core.v1.ServiceSpec.clusterIPs': atomic,
  'core.v1.ServiceSpec.ipFamilies': atomic,
  'core.v1.ServiceSpec.externalIPs': atomic,
  'core.v1.ServiceSpec.loadBalancerSourceRanges': atomic,
  'core.v1.ServiceStatus.conditions': conditions,
  'core.v1.LoadBalancerStatus.ingress': atomic,
  'core.v1.LoadBalancerIngress.ports': atomic,
  'core.v1.Endpoints.subsets': atomic,
  'core.v1.EndpointSubset.addresses': atomic,
  'core.v1.EndpointSubset.notReadyAddresses': atomic,
  'core.v1.EndpointSubset.ports': atomic,
  'discovery.v1.EndpointSlice.endpoints': atomic,
  'discovery.v1.EndpointSlice.ports': atomic,
  'discovery.v1.Endpoint.addresses': set,

  // Other core kinds
  'core.v1.ServiceAccount.secrets': mergeBy('name'),
  'core.v1.ServiceAccount.imagePullSecrets': atomic,
  'core.v1.NamespaceStatus.conditions': conditions,
  'core.v1.PersistentVolumeClaimStatus.conditions': conditions,
  'core.v1.PersistentVolumeClaimSpec.accessModes': atomic,
  'core.v1.PersistentVolumeSpec.accessModes': atomic,
  'core.v1.PersistentVolumeSpec.mountOptions': atomic,
  'core.v1.ReplicationControllerStatus.conditions': conditions,
  'core.v1.LimitRangeSpec.limits': atomic,
  'core.v1.ResourceQuotaSpec.scopes': atomic,

  // apps
  'apps.v1.DeploymentSpec.strategy': { patchStrategy: 'retainKeys' },
  'apps.v1.DeploymentStatus.conditions': conditions,
  'apps.v1.ReplicaSetStatus.conditions': conditions,
  'apps.v1.DaemonSetStatus.conditions': conditions,
  'apps.v1.StatefulSetStatus.conditions': conditions,
  'apps.v1.StatefulSetSpec.volumeClaimTemplates': atomic,

  // batch, policy
  'batch.v1.JobStatus.conditions': { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
  'batch.v1.CronJobStatus.active': atomic,
  'policy.v1.PodDisruptionBudgetSpec.selector': { patchStrategy: 'replace' },
  'policy.v1.PodDisruptionBudgetStatus.conditions': conditions,
};
