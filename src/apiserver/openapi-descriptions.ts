/**
 * Descriptions for the published OpenAPI, which `kubectl explain` prints. They are Skiff's own
 * short words for the types and fields users read most (object metadata; Pods, Deployments,
 * Services, ConfigMaps, Secrets, Jobs, ...); every other field gets a generated line naming
 * its type and pointing to the Kubernetes API reference. Upstream's prose is not copied.
 */
import type { FieldSchema, FieldType, TypeSchema } from '../api/schema/types.ts';

const API_REFERENCE = 'https://kubernetes.io/docs/reference/kubernetes-api/';

/** "io.k8s.api.apps.v1.Deployment" → "apps.v1.Deployment"; meta types as "meta.v1.ObjectMeta". */
function shortName(name: string): string {
  return name.replace(/^io\.k8s\.api\./, '').replace(/^io\.k8s\.apimachinery\.pkg\.apis\./, '');
}

/** Fields every top-level kind has. */
const COMMON_FIELDS: Record<string, string> = {
  apiVersion: 'The API group and version this object is written in, such as "v1" or "apps/v1". The server reads and returns objects in the version the request names.',
  kind: 'The type of this object, such as "Pod" or "Deployment". Together with apiVersion it tells a client how to read the rest.',
  metadata: 'Identity and bookkeeping of the object: its name, namespace, labels, annotations, owners and the versions the server tracks.',
  spec: 'The desired state: what you ask for. Controllers work to make the actual state match it.',
  status: 'The observed state, written by the system (controllers, the kubelet). It may lag behind the spec; clients do not set it.',
  items: 'The objects of this list.',
};

const TYPES: Record<string, string> = {
  'core.v1.Pod': 'A Pod is one or more containers that run together on one node, sharing a network identity and volumes. It is the smallest thing Kubernetes schedules.',
  'core.v1.PodSpec': 'What a Pod runs and how: its containers, volumes, restart policy and scheduling constraints.',
  'core.v1.PodStatus': 'What the kubelet last reported about a Pod: its phase, conditions, addresses and the state of each container.',
  'core.v1.PodTemplateSpec': 'The Pod a controller creates copies of: its metadata (labels, annotations) and spec.',
  'core.v1.Container': 'One container of a Pod: the image it runs, its command, environment, ports, resources, volume mounts and health probes.',
  'core.v1.ContainerPort': 'A network port a container listens on. Listing it is informational, except that it can be referred to by name.',
  'core.v1.EnvVar': 'One environment variable of a container, set to a literal value or taken from another source.',
  'core.v1.ResourceRequirements': 'CPU, memory and other resources a container asks for (requests) and may not exceed (limits).',
  'core.v1.Probe': 'A health check the kubelet runs against a container: a command, an HTTP GET, a TCP connection or a gRPC call.',
  'core.v1.Volume': 'A named volume that containers of the Pod can mount, and where its data comes from.',
  'core.v1.VolumeMount': 'Where a container mounts one of the Pod\u2019s volumes.',
  'core.v1.Service': 'A Service gives a stable virtual IP and DNS name to a set of Pods chosen by labels, and balances connections across them.',
  'core.v1.ServiceSpec': 'How a Service is exposed: its type, its ports, and the label selector choosing its backend Pods.',
  'core.v1.ServicePort': 'One port a Service exposes and the Pod port it forwards to.',
  'core.v1.ConfigMap': 'A ConfigMap holds non-secret configuration as key-value pairs, for Pods to read as environment variables, command arguments or files.',
  'core.v1.Secret': 'A Secret holds a small amount of sensitive data, such as a password, a token or a key, for Pods to use.',
  'core.v1.Namespace': 'A Namespace is a scope for names: most objects live in one, and names are unique only within it.',
  'core.v1.Node': 'A Node is a machine that runs Pods, registered by its kubelet.',
  'core.v1.ServiceAccount': 'A ServiceAccount is an identity for processes running in Pods, used to authenticate to the API server.',
  'core.v1.PersistentVolumeClaim': 'A PersistentVolumeClaim is a request for storage, which a Pod can mount once it is bound to a PersistentVolume.',
  'core.v1.Event': 'An Event reports something that happened to an object, such as a Pod being scheduled or an image failing to pull.',
  'apps.v1.Deployment': 'A Deployment keeps a number of identical Pods running and rolls out changes to them gradually, through ReplicaSets.',
  'apps.v1.DeploymentSpec': 'What a Deployment should run: the Pod template, how many replicas, which Pods it owns, and how updates roll out.',
  'apps.v1.DeploymentStatus': 'The progress of a Deployment as its controller last saw it: replica counts and conditions.',
  'apps.v1.DeploymentStrategy': 'How a Deployment replaces old Pods with new ones when its template changes.',
  'apps.v1.RollingUpdateDeployment': 'Limits that pace a rolling update: how many Pods may be missing and how many extra may exist while it proceeds.',
  'apps.v1.ReplicaSet': 'A ReplicaSet keeps a given number of Pods matching its selector running. Deployments manage ReplicaSets for you.',
  'apps.v1.StatefulSet': 'A StatefulSet runs Pods that keep a stable name and storage each, created and updated in order.',
  'apps.v1.DaemonSet': 'A DaemonSet runs one copy of a Pod on every node (or on every node a selector picks).',
  'batch.v1.Job': 'A Job runs Pods until a given number of them finish successfully.',
  'batch.v1.CronJob': 'A CronJob creates Jobs on a repeating schedule, written in cron syntax.',
  'networking.k8s.io.v1.Ingress': 'An Ingress routes HTTP traffic from outside the cluster to Services, by host name and path.',
  'autoscaling.v2.HorizontalPodAutoscaler': 'A HorizontalPodAutoscaler adjusts the replica count of a workload to keep metrics, such as CPU use, near a target.',
  'rbac.v1.Role': 'A Role grants a set of permissions within one namespace.',
  'rbac.v1.ClusterRole': 'A ClusterRole grants a set of permissions across the cluster, or serves as a template for RoleBindings.',
  'rbac.v1.RoleBinding': 'A RoleBinding grants the permissions of a Role or ClusterRole to users, groups or service accounts within one namespace.',
  'rbac.v1.ClusterRoleBinding': 'A ClusterRoleBinding grants the permissions of a ClusterRole to users, groups or service accounts across the cluster.',
  'meta.v1.ObjectMeta': 'Metadata every stored object has: name, namespace, labels, annotations, owners, and versions the server keeps.',
  'meta.v1.LabelSelector': 'A query over labels: objects match when they have all the matchLabels and satisfy every matchExpressions requirement. An empty selector matches everything.',
};

const FIELDS: Record<string, string> = {
  // Object metadata
  'meta.v1.ObjectMeta.name': 'The object\u2019s name, unique among objects of its kind in its namespace. Usually it cannot be changed once set.',
  'meta.v1.ObjectMeta.generateName': 'A prefix from which the server makes a unique name, when name is left empty.',
  'meta.v1.ObjectMeta.namespace': 'The namespace the object lives in. Empty for cluster-wide kinds; defaults to "default" for kubectl.',
  'meta.v1.ObjectMeta.labels': 'Key-value pairs for organising and selecting objects. Selectors of Services, Deployments and others match on them.',
  'meta.v1.ObjectMeta.annotations': 'Key-value pairs for tools and people to attach non-identifying information. They are not used for selection.',
  'meta.v1.ObjectMeta.uid': 'A unique ID the server assigns when the object is created. It is never reused, even for an object of the same name.',
  'meta.v1.ObjectMeta.resourceVersion': 'An opaque version the server changes on every write. Sending it back on an update makes the update fail if the object changed in between.',
  'meta.v1.ObjectMeta.generation': 'A counter of changes to the desired state (spec), set by the server.',
  'meta.v1.ObjectMeta.creationTimestamp': 'When the server created the object (UTC, RFC 3339).',
  'meta.v1.ObjectMeta.deletionTimestamp': 'When the object is due to be removed. Set by the server on a graceful delete; the object stays until then and until its finalizers are gone.',
  'meta.v1.ObjectMeta.deletionGracePeriodSeconds': 'The grace period, in seconds, the object was given when its deletion was requested.',
  'meta.v1.ObjectMeta.ownerReferences': 'The objects this one belongs to. When every owner is gone, the garbage collector deletes this object.',
  'meta.v1.ObjectMeta.finalizers': 'Names of pending clean-up steps. An object being deleted stays until this list is empty.',
  'meta.v1.ObjectMeta.managedFields': 'Which field manager owns which fields, as server-side apply tracks it. Kept by the server; kubectl hides it unless asked.',
  'meta.v1.LabelSelector.matchLabels': 'Labels an object must have, each with exactly this value.',
  'meta.v1.LabelSelector.matchExpressions': 'Requirements on labels (In, NotIn, Exists, DoesNotExist) an object must all satisfy.',

  // Pods
  'core.v1.PodSpec.containers': 'The containers of the Pod. There must be at least one; they all run at the same time.',
  'core.v1.PodSpec.initContainers': 'Containers that run one after another, each to completion, before the regular containers start.',
  'core.v1.PodSpec.volumes': 'Volumes the Pod\u2019s containers can mount.',
  'core.v1.PodSpec.restartPolicy': 'When the kubelet restarts the containers of the Pod: Always (the default), OnFailure or Never.',
  'core.v1.PodSpec.terminationGracePeriodSeconds': 'How long containers get to stop after being asked, before they are killed. Defaults to 30 seconds.',
  'core.v1.PodSpec.nodeName': 'The node the Pod runs on. The scheduler sets it; setting it yourself bypasses the scheduler.',
  'core.v1.PodSpec.nodeSelector': 'Labels a node must have for the Pod to be scheduled on it.',
  'core.v1.PodSpec.serviceAccountName': 'The ServiceAccount the Pod runs as. Defaults to "default".',
  'core.v1.PodSpec.affinity': 'Rules that attract the Pod to, or keep it away from, nodes and other Pods.',
  'core.v1.PodSpec.tolerations': 'Taints of nodes that the Pod accepts, so that it may be scheduled or keep running there.',
  'core.v1.PodSpec.hostNetwork': 'Whether the Pod uses the node\u2019s network namespace instead of its own.',
  'core.v1.PodSpec.dnsPolicy': 'How the Pod\u2019s DNS is set up: ClusterFirst (the default), Default, ClusterFirstWithHostNet or None.',
  'core.v1.PodSpec.securityContext': 'Security settings for all containers of the Pod, such as the user and group they run as.',
  'core.v1.PodSpec.imagePullSecrets': 'Secrets holding registry credentials, used to pull the Pod\u2019s images.',
  'core.v1.PodSpec.priorityClassName': 'The PriorityClass giving the Pod its scheduling priority.',
  'core.v1.PodSpec.schedulerName': 'The scheduler that places the Pod. Defaults to "default-scheduler".',
  'core.v1.PodSpec.hostname': 'The Pod\u2019s host name. Defaults to the Pod\u2019s name.',
  'core.v1.PodStatus.phase': 'Where the Pod is in its life: Pending, Running, Succeeded, Failed or Unknown.',
  'core.v1.PodStatus.conditions': 'Conditions of the Pod, such as PodScheduled, Initialized, ContainersReady and Ready.',
  'core.v1.PodStatus.podIP': 'The IP address of the Pod on the cluster network.',
  'core.v1.PodStatus.podIPs': 'Every IP address of the Pod, one per address family.',
  'core.v1.PodStatus.hostIP': 'The IP address of the node the Pod runs on.',
  'core.v1.PodStatus.startTime': 'When the kubelet accepted the Pod.',
  'core.v1.PodStatus.containerStatuses': 'The state of each container: waiting, running or terminated, restarts, readiness.',
  'core.v1.PodStatus.qosClass': 'The quality-of-service class the Pod falls in from its requests and limits: Guaranteed, Burstable or BestEffort.',
  'core.v1.PodTemplateSpec.metadata': 'Metadata of the Pods made from this template; their labels must match the owner\u2019s selector.',
  'core.v1.PodTemplateSpec.spec': 'The spec of the Pods made from this template.',

  // Containers
  'core.v1.Container.name': 'The container\u2019s name, unique within the Pod.',
  'core.v1.Container.image': 'The container image to run, such as "nginx:1.27".',
  'core.v1.Container.command': 'The program to run, replacing the image\u2019s entrypoint. $(VAR) refers to an environment variable.',
  'core.v1.Container.args': 'Arguments to the program, replacing the image\u2019s default arguments.',
  'core.v1.Container.workingDir': 'The directory the program starts in. Defaults to the image\u2019s.',
  'core.v1.Container.env': 'Environment variables to set in the container.',
  'core.v1.Container.envFrom': 'ConfigMaps and Secrets whose keys all become environment variables.',
  'core.v1.Container.ports': 'Ports the container listens on.',
  'core.v1.Container.resources': 'CPU and memory the container requests and may not exceed.',
  'core.v1.Container.volumeMounts': 'Volumes of the Pod to mount into the container\u2019s filesystem.',
  'core.v1.Container.livenessProbe': 'A check that the container is alive; the kubelet restarts it when the check keeps failing.',
  'core.v1.Container.readinessProbe': 'A check that the container can serve; until it passes, the Pod gets no Service traffic.',
  'core.v1.Container.startupProbe': 'A check that the container has started; the other probes wait until it passes.',
  'core.v1.Container.imagePullPolicy': 'When to pull the image: Always, IfNotPresent or Never. Defaults to Always for ":latest" images and IfNotPresent otherwise.',
  'core.v1.Container.securityContext': 'Security settings for this container, overriding the Pod\u2019s.',
  'core.v1.Container.lifecycle': 'Actions to run right after the container starts and just before it stops.',
  'core.v1.ContainerPort.containerPort': 'The port number the container listens on.',
  'core.v1.ContainerPort.name': 'A name for the port, by which Services can refer to it.',
  'core.v1.ContainerPort.protocol': 'TCP (the default), UDP or SCTP.',
  'core.v1.EnvVar.name': 'The variable\u2019s name.',
  'core.v1.EnvVar.value': 'The variable\u2019s value. $(VAR) refers to a variable defined earlier.',
  'core.v1.EnvVar.valueFrom': 'Where to take the value from instead: a ConfigMap or Secret key, a field of the Pod, or a resource of the container.',
  'core.v1.ResourceRequirements.requests': 'The amount of each resource the container is guaranteed; the scheduler places the Pod by these.',
  'core.v1.ResourceRequirements.limits': 'The most of each resource the container may use. Exceeding the memory limit gets the container killed.',

  // Deployments
  'apps.v1.DeploymentSpec.replicas': 'How many Pods to run. Defaults to 1.',
  'apps.v1.DeploymentSpec.selector': 'Which Pods the Deployment owns. It must match the template\u2019s labels and cannot be changed.',
  'apps.v1.DeploymentSpec.template': 'The Pod the Deployment runs copies of. Changing it starts a rollout.',
  'apps.v1.DeploymentSpec.strategy': 'How to replace old Pods with new ones when the template changes: RollingUpdate (the default) or Recreate.',
  'apps.v1.DeploymentSpec.minReadySeconds': 'How long a new Pod must be ready before it counts as available. Defaults to 0.',
  'apps.v1.DeploymentSpec.revisionHistoryLimit': 'How many old ReplicaSets to keep for rolling back. Defaults to 10.',
  'apps.v1.DeploymentSpec.paused': 'Whether rollouts are paused: template changes wait until it is unset.',
  'apps.v1.DeploymentSpec.progressDeadlineSeconds': 'How long a rollout may go without progress before the Deployment reports it as failed. Defaults to 600.',
  'apps.v1.DeploymentStrategy.type': 'Recreate (stop all old Pods, then start new ones) or RollingUpdate (replace them gradually, the default).',
  'apps.v1.DeploymentStrategy.rollingUpdate': 'Pacing of a RollingUpdate. Only allowed when type is RollingUpdate.',
  'apps.v1.RollingUpdateDeployment.maxUnavailable': 'How many Pods (a number or a percentage of replicas) may be unavailable during the update. Defaults to 25%.',
  'apps.v1.RollingUpdateDeployment.maxSurge': 'How many Pods (a number or a percentage of replicas) may exist above the desired count during the update. Defaults to 25%.',
  'apps.v1.DeploymentStatus.replicas': 'Pods the Deployment\u2019s ReplicaSets have, old and new.',
  'apps.v1.DeploymentStatus.updatedReplicas': 'Pods running the current template.',
  'apps.v1.DeploymentStatus.readyReplicas': 'Pods whose containers are ready.',
  'apps.v1.DeploymentStatus.availableReplicas': 'Pods ready for at least minReadySeconds.',
  'apps.v1.DeploymentStatus.unavailableReplicas': 'Pods still needed to reach the desired count of available Pods.',
  'apps.v1.DeploymentStatus.observedGeneration': 'The generation of the spec the controller last acted on.',
  'apps.v1.DeploymentStatus.conditions': 'Conditions such as Available and Progressing.',
  'apps.v1.ReplicaSetSpec.replicas': 'How many Pods to run. Defaults to 1.',
  'apps.v1.ReplicaSetSpec.selector': 'Which Pods the ReplicaSet owns; it must match the template\u2019s labels.',
  'apps.v1.ReplicaSetSpec.template': 'The Pod the ReplicaSet runs copies of.',
  'apps.v1.StatefulSetSpec.replicas': 'How many Pods to run. Defaults to 1.',
  'apps.v1.StatefulSetSpec.serviceName': 'The headless Service that gives each Pod its stable DNS name.',
  'apps.v1.StatefulSetSpec.volumeClaimTemplates': 'Claims made once per Pod, so that each Pod keeps its own storage.',
  'apps.v1.DaemonSetSpec.template': 'The Pod to run on each node.',

  // Services
  'core.v1.ServiceSpec.type': 'How the Service is exposed: ClusterIP (the default, inside the cluster), NodePort, LoadBalancer or ExternalName.',
  'core.v1.ServiceSpec.selector': 'Labels of the Pods that receive the Service\u2019s traffic. Without it, endpoints are managed by hand.',
  'core.v1.ServiceSpec.ports': 'The ports the Service exposes.',
  'core.v1.ServiceSpec.clusterIP': 'The Service\u2019s virtual IP, allocated by the server unless given. "None" makes a headless Service.',
  'core.v1.ServiceSpec.clusterIPs': 'Every virtual IP of the Service, one per address family; the first equals clusterIP.',
  'core.v1.ServiceSpec.externalName': 'For an ExternalName Service, the DNS name the Service\u2019s name points to.',
  'core.v1.ServiceSpec.sessionAffinity': 'ClientIP sends each client to the same Pod; None (the default) does not.',
  'core.v1.ServiceSpec.externalTrafficPolicy': 'For NodePort and LoadBalancer Services: Cluster (the default) spreads traffic over all Pods, Local only to Pods on the receiving node.',
  'core.v1.ServicePort.name': 'The port\u2019s name, required when the Service has more than one port.',
  'core.v1.ServicePort.port': 'The port the Service listens on.',
  'core.v1.ServicePort.targetPort': 'The Pod port traffic goes to, a number or a container port name. Defaults to port.',
  'core.v1.ServicePort.protocol': 'TCP (the default), UDP or SCTP.',
  'core.v1.ServicePort.nodePort': 'For NodePort and LoadBalancer Services, the port opened on every node. Allocated by the server unless given.',

  // Configuration
  'core.v1.ConfigMap.data': 'Configuration as UTF-8 text, by key.',
  'core.v1.ConfigMap.binaryData': 'Configuration as bytes (base64 in JSON), by key.',
  'core.v1.ConfigMap.immutable': 'When true, the data can no longer be changed; only deleting the ConfigMap removes it.',
  'core.v1.Secret.data': 'The secret values as bytes (base64 in JSON), by key.',
  'core.v1.Secret.stringData': 'Secret values as plain text, merged into data when written. Never returned on reads.',
  'core.v1.Secret.type': 'What the Secret holds, which decides the keys it needs: Opaque (the default), kubernetes.io/tls, kubernetes.io/dockerconfigjson, ...',
  'core.v1.Secret.immutable': 'When true, the data can no longer be changed.',

  // Jobs
  'batch.v1.JobSpec.completions': 'How many Pods must finish successfully. Defaults to 1.',
  'batch.v1.JobSpec.parallelism': 'How many Pods may run at once. Defaults to 1.',
  'batch.v1.JobSpec.backoffLimit': 'How many retries before the Job is marked failed. Defaults to 6.',
  'batch.v1.JobSpec.activeDeadlineSeconds': 'How long the Job may run before it is stopped and marked failed.',
  'batch.v1.JobSpec.template': 'The Pod the Job runs; its restartPolicy must be Never or OnFailure.',
  'batch.v1.JobSpec.ttlSecondsAfterFinished': 'How long to keep the Job after it finishes, before it is deleted.',
  'batch.v1.CronJobSpec.schedule': 'When to create Jobs, in cron syntax, such as "*/5 * * * *".',
  'batch.v1.CronJobSpec.jobTemplate': 'The Job created at each scheduled time.',
  'batch.v1.CronJobSpec.suspend': 'When true, no new Jobs are created.',
  'batch.v1.CronJobSpec.concurrencyPolicy': 'What to do when a run is due while the last one still runs: Allow (the default), Forbid or Replace.',
};

/** What a value of the type is, as a noun: "integer", "quantity", "object (PodSpec)". */
function typeNoun(t: FieldType): string {
  switch (t.kind) {
    case 'ref':
      return `object (${t.ref.slice(t.ref.lastIndexOf('.') + 1)})`;
    case 'array':
      return `list of ${typeNoun(t.items)} items`;
    case 'map':
      return `map from string keys to ${typeNoun(t.values)} values`;
    case 'quantity':
      return 'quantity (such as "500m" or "1Gi")';
    case 'int-or-string':
      return 'number or string';
    case 'time':
      return 'time (RFC 3339)';
    case 'any':
      return 'JSON value of any shape';
    default:
      return t.kind;
  }
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** The description of a type, if Skiff has one. */
export function describeType(type: TypeSchema): string | undefined {
  return TYPES[shortName(type.name)] ?? type.description;
}

/** The description of a field: Skiff's own words where it has them, else a generated line. */
export function describeField(type: TypeSchema, name: string, field: FieldSchema): string {
  const own = FIELDS[`${shortName(type.name)}.${name}`] ?? field.description ?? (type.gvk || name === 'items' ? COMMON_FIELDS[name] : undefined);
  if (own) return own;
  return `${name} is ${withArticle(typeNoun(field.type))}. See the Kubernetes API reference (${API_REFERENCE}) for what it means.`;
}
