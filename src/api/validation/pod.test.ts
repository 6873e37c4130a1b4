import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';

/** The nginx Pod, changed by `edit`, then defaulted as the API server would. */
function pod(edit: (p: any) => void = () => {}): any {
  const p: any = manifests.pod();
  edit(p);
  applyDefaults(R.pod, p);
  return p;
}

const errorsOf = (p: any) => validateCreate(R.pod, p).map((e) => formatFieldError(e));

describe('Pod create', () => {
  test('the nginx Pod is valid', () => assert.deepEqual(errorsOf(pod()), []));

  const cases: [string, (p: any) => void, string[]][] = [
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    [
      'duplicate container names across init and regular containers',
      (p) => (p.spec.initContainers = [{ name: 'nginx', image: 'busybox' }]),
      ['spec.initContainers[0].name: Duplicate value: "nginx"'],
    ],
    ['missing image', (p) => delete p.spec.containers[0].image, ['spec.containers[0].image: Required value']],
    [
      'bad container name',
      (p) => (p.spec.containers[0].name = 'Nginx'),
      [
        `spec.containers[0].name: Invalid value: "Nginx": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'port out of range',
      (p) => (p.spec.containers[0].ports = [{ containerPort: 70000 }]),
      ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'duplicate port names',
      (p) => (p.spec.containers[0].ports = [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }]),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'bad protocol',
      (p) => (p.spec.containers[0].ports = [{ containerPort: 80, protocol: 'HTTP' }]),
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'two containers on one host port',
      (p) => {
        p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
        p.spec.containers.push({ name: 'b', image: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] });
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ],
    ['env without a name', (p) => (p.spec.containers[0].env = [{ value: 'x' }]), ['spec.containers[0].env[0].name: Required value']],
    [
      'env with value and valueFrom',
      (p) => (p.spec.containers[0].env = [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ],
    [
      'mount of an undeclared volume',
      (p) => (p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      ['spec.containers[0].volumeMounts[0].name: Invalid value: "data": must match the name of a volume'],
    ],
    [
      'volumes: duplicate names, two sources',
      (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {}, hostPath: { path: '/x' } }]),
      ['spec.volumes[1].name: Duplicate value: "v"', 'spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'same mount path twice',
      (p) => {
        p.spec.volumes = [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'a', mountPath: '/d' }, { name: 'b', mountPath: '/d' }];
      },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique'],
    ],
    [
      'request above limit',
      (p) => (p.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '500m' } }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m'],
    ],
    [
      'unparseable quantity',
      (p) => (p.spec.containers[0].resources = { limits: { memory: '1GB' } }),
      [
        "spec.containers[0].resources.limits[memory]: Invalid value: \"1GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        "spec.containers[0].resources.requests[memory]: Invalid value: \"1GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    ],
    [
      'unknown resource name',
      (p) => (p.spec.containers[0].resources = { requests: { gpu: '1' } }),
      ['spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers'],
    ],
    [
      'bad restartPolicy',
      (p) => (p.spec.restartPolicy = 'Sometimes'),
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'bad dnsPolicy',
      (p) => (p.spec.dnsPolicy = 'Google'),
      ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    [
      'probe without a handler',
      (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 5 }),
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'probe with two handlers and a liveness success threshold',
      (p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 }, successThreshold: 2 }),
      [
        'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
        'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      ],
    ],
    [
      'toleration operators and effects',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Maybe' }, { operator: 'Exists', effect: 'Sometimes' }, { key: 'k', operator: 'Exists', value: 'v' }]),
      [
        'spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
        'spec.tolerations[1].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        `spec.tolerations[2].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when \`operator\` is 'Exists'`,
      ],
    ],
    [
      'negative grace period and zero deadline',
      (p) => {
        p.spec.terminationGracePeriodSeconds = -1;
        p.spec.activeDeadlineSeconds = 0;
      },
      [
        'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
        'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
      ],
    ],
    ['bad hostname', (p) => (p.spec.hostname = 'a.b'), ['spec.hostname: Invalid value: "a.b": must not contain dots']],
    [
      'bad nodeSelector label',
      (p) => (p.spec.nodeSelector = { disk: 'fast ssd' }),
      [
        `spec.nodeSelector: Invalid value: "fast ssd": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'privileged without escalation',
      (p) => (p.spec.containers[0].securityContext = { privileged: true, allowPrivilegeEscalation: false }),
      ['spec.containers[0].securityContext: Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true'],
    ],
    [
      'probes on a plain init container',
      (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }]),
      ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
    ['ephemeral containers on create', (p) => (p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]), ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
  ];
  for (const [name, edit, want] of cases) test(name, () => assert.deepEqual(errorsOf(pod(edit)), want));

  test('a sidecar init container may have probes', () => {
    const p = pod((x) => (x.spec.initContainers = [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 9901 } } }]));
    assert.deepEqual(errorsOf(p), []);
  });
});

describe('Pod update', () => {
  const UPDATABLE =
    'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';
  const old = pod((p) => (p.metadata.uid = 'u1'));

  test('changing the image is allowed', () => {
    const next = structuredClone(old);
    next.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(validateUpdate(R.pod, next, old), []);
  });

  test('adding a toleration and setting a deadline are allowed', () => {
    const next = structuredClone(old);
    next.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }];
    next.spec.activeDeadlineSeconds = 100;
    assert.deepEqual(validateUpdate(R.pod, next, old), []);
  });

  test('other spec changes are forbidden with upstream message and the difference', () => {
    const next = structuredClone(old);
    next.spec.containers[0].ports[0].containerPort = 8080;
    const [err, ...rest] = validateUpdate(R.pod, next, old);
    assert.equal(rest.length, 0);
    assert.equal(err.field, 'spec');
    const text = formatFieldError(err);
    assert.ok(text.startsWith(`spec: Forbidden: ${UPDATABLE}\n`), text);
    assert.match(text, /spec\.containers\[0\]\.ports\[0\]\.containerPort: 80 -> 8080/);
  });

  test('adding a container is refused outright', () => {
    const next = structuredClone(old);
    next.spec.containers.push({ name: 'b', image: 'b' });
    applyDefaults(R.pod, next);
    assert.deepEqual(
      validateUpdate(R.pod, next, old).map((e) => formatFieldError(e)),
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    );
  });

  test('activeDeadlineSeconds may only shrink', () => {
    const withDeadline = structuredClone(old);
    withDeadline.spec.activeDeadlineSeconds = 100;
    const next = structuredClone(withDeadline);
    next.spec.activeDeadlineSeconds = 200;
    assert.deepEqual(
      validateUpdate(R.pod, next, withDeadline).map((e) => formatFieldError(e)),
      ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value'],
    );
  });

  test('an existing toleration cannot be changed', () => {
    const tolerating = structuredClone(old);
    tolerating.spec.tolerations = [{ key: 'k', operator: 'Equal', value: 'a', effect: 'NoSchedule' }];
    const next = structuredClone(tolerating);
    next.spec.tolerations[0].value = 'b';
    const text = validateUpdate(R.pod, next, tolerating).map((e) => formatFieldError(e));
    assert.deepEqual(text, ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  });

  test('status updates cannot revive a terminated container of a Never pod', () => {
    const never = structuredClone(old);
    never.spec.restartPolicy = 'Never';
    never.status = { containerStatuses: [{ name: 'nginx', state: { terminated: { exitCode: 0 } } }] };
    const next = structuredClone(never);
    next.status.containerStatuses[0].state = { running: {} };
    assert.deepEqual(
      validateStatusUpdate(R.pod, next, never).map((e) => formatFieldError(e)),
      ['status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state'],
    );
  });

  test('status podIPs must be IPs', () => {
    const next = structuredClone(old);
    next.status = { podIPs: [{ ip: '10.42.0.300' }] };
    assert.deepEqual(
      validateStatusUpdate(R.pod, next, old).map((e) => formatFieldError(e)),
      ['status.podIPs[0]: Invalid value: "10.42.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    );
  });
});
