/**
 * Shared by the defaults and validation tests: ResourceInfo values for the kinds under test
 * and real-world manifests (as users write them, before defaulting).
 */
import type { ResourceInfo } from '../resource.ts';

/** A ResourceInfo with just the facts defaulting and validation read. */
export function resourceInfo(group: string, kind: string, namespaced = true): ResourceInfo {
  const plural = `${kind.toLowerCase()}s`;
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: [],
    hasStatus: true,
  };
}

export const R = {
  pod: resourceInfo('', 'Pod'),
  service: resourceInfo('', 'Service'),
  namespace: resourceInfo('', 'Namespace', false),
  node: resourceInfo('', 'Node', false),
  configMap: resourceInfo('', 'ConfigMap'),
  secret: resourceInfo('', 'Secret'),
  rc: resourceInfo('', 'ReplicationController'),
  endpoints: resourceInfo('', 'Endpoints'),
  event: resourceInfo('', 'Event'),
  serviceAccount: resourceInfo('', 'ServiceAccount'),
  pv: resourceInfo('', 'PersistentVolume', false),
  pvc: resourceInfo('', 'PersistentVolumeClaim'),
  resourceQuota: resourceInfo('', 'ResourceQuota'),
  limitRange: resourceInfo('', 'LimitRange'),
  replicaSet: resourceInfo('apps', 'ReplicaSet'),
  deployment: resourceInfo('apps', 'Deployment'),
  daemonSet: resourceInfo('apps', 'DaemonSet'),
  statefulSet: resourceInfo('apps', 'StatefulSet'),
  job: resourceInfo('batch', 'Job'),
  cronJob: resourceInfo('batch', 'CronJob'),
  endpointSlice: resourceInfo('discovery.k8s.io', 'EndpointSlice'),
  lease: resourceInfo('coordination.k8s.io', 'Lease'),
  eventsV1: resourceInfo('events.k8s.io', 'Event'),
  pdb: resourceInfo('policy', 'PodDisruptionBudget'),
  priorityClass: resourceInfo('scheduling.k8s.io', 'PriorityClass', false),
};

/** Fresh copies each call, since defaulting mutates. */
export const manifests = {
  pod: () => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
  }),
  deployment: () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.14.2',
              ports: [{ containerPort: 80 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 80 } },
            },
          ],
        },
      },
    },
  }),
  service: () => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'my-service', namespace: 'default' },
    spec: {
      selector: { 'app.kubernetes.io/name': 'MyApp' },
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 },
        { name: 'https', protocol: 'TCP', port: 443, targetPort: 9377 },
      ],
    },
  }),
  job: () => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: '6a3c1b0e-2f4d-4c55-9a8e-0d5b3c2a1f00' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
          restartPolicy: 'Never',
        },
      },
      backoffLimit: 4,
    },
  }),
  cronJob: () => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'hello', image: 'busybox:1.28', imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', 'date; echo Hello'] }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
    },
  }),
  daemonSet: () => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'fluentd-elasticsearch', namespace: 'kube-system', labels: { 'k8s-app': 'fluentd-logging' } },
    spec: {
      selector: { matchLabels: { name: 'fluentd-elasticsearch' } },
      template: {
        metadata: { labels: { name: 'fluentd-elasticsearch' } },
        spec: {
          tolerations: [
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
          ],
          containers: [
            {
              name: 'fluentd-elasticsearch',
              image: 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2',
              resources: { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '200Mi' } },
              volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }],
            },
          ],
          terminationGracePeriodSeconds: 30,
          volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }],
        },
      },
    },
  }),
  statefulSet: () => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      serviceName: 'nginx',
      replicas: 3,
      minReadySeconds: 10,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'nginx',
              image: 'registry.k8s.io/nginx-slim:0.24',
              ports: [{ containerPort: 80, name: 'web' }],
              volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'my-storage-class', resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  }),
  /** A ReplicationController whose pod template uses most pod spec features. */
  replicationController: () => ({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'rich', namespace: 'default', annotations: { note: 'x' }, finalizers: ['example.com/f'] },
    spec: {
      replicas: 1,
      selector: { app: 'rich' },
      template: {
        metadata: { labels: { app: 'rich' } },
        spec: {
          initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', startupProbe: { grpc: { port: 9901 } } }],
          containers: [
            {
              name: 'app',
              image: 'app:1',
              env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
              envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
              volumeMounts: [{ name: 'token', mountPath: '/var/run/token', subPath: 't' }, { name: 'creds', mountPath: '/creds', readOnly: true }],
              lifecycle: { preStop: { httpGet: { port: 'http', httpHeaders: [{ name: 'X-Stop', value: '1' }] } }, postStart: { sleep: { seconds: 1 } } },
              ports: [{ name: 'http', containerPort: 8080 }],
              securityContext: { runAsUser: 1000, capabilities: { add: ['NET_ADMIN'] }, seccompProfile: { type: 'RuntimeDefault' } },
            },
          ],
          volumes: [
            { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
            { name: 'creds', secret: { secretName: 'creds', items: [{ key: 'k', path: 'k.txt', mode: 0o400 }] } },
          ],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] },
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } }],
            },
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'rich' } } }],
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: 'zone', labelSelector: { matchLabels: { app: 'rich' } } } }],
            },
          },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'rich' } } }],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'rich', effect: 'NoExecute', tolerationSeconds: 30 }],
          dnsPolicy: 'None',
          dnsConfig: { nameservers: ['10.43.0.10'], searches: ['svc.cluster.local.'], options: [{ name: 'ndots', value: '2' }] },
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
          readinessGates: [{ conditionType: 'example.com/ready' }],
          securityContext: { fsGroup: 2000, supplementalGroups: [3000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
          os: { name: 'linux' },
        },
      },
    },
  }),
};
