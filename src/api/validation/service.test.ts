import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

function service(edit: (s: any) => void = () => {}): any {
  const s: any = manifests.service();
  edit(s);
  applyDefaults(R.service, s);
  return s;
}

const errorsOf = (s: any) => validateCreate(R.service, s).map((e) => formatFieldError(e));

describe('Service create', () => {
  test('a Service with two named ports is valid', () => assert.deepEqual(errorsOf(service()), []));
  test('a headless Service without ports is valid', () => assert.deepEqual(errorsOf(service((s) => ((s.spec.ports = []), (s.spec.clusterIP = 'None')))), []));
  test('an ExternalName Service is valid', () => {
    assert.deepEqual(errorsOf(service((s) => (s.spec = { type: 'ExternalName', externalName: 'my.database.example.com' }))), []);
  });

  const cases: [string, (s: any) => void, string[]][] = [
    ['no ports', (s) => (s.spec.ports = []), ['spec.ports: Required value']],
    ['unnamed port among two', (s) => delete s.spec.ports[1].name, ['spec.ports[1].name: Required value']],
    ['duplicate port names', (s) => (s.spec.ports[1].name = 'http'), ['spec.ports[1].name: Duplicate value: "http"']],
    ['port out of range', (s) => (s.spec.ports[0].port = 0), ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [
      'bad protocol',
      (s) => (s.spec.ports[0].protocol = 'ICMP'),
      ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'bad named targetPort',
      (s) => (s.spec.ports[0].targetPort = 'HTTP'),
      [
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    ],
    ['bad type', (s) => (s.spec.type = 'Internal'), ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['nodePort on ClusterIP', (s) => (s.spec.ports[0].nodePort = 30080), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    [
      'nodePort out of range',
      (s) => ((s.spec.type = 'NodePort'), (s.spec.ports[0].nodePort = 80)),
      ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    ],
    [
      'bad session affinity',
      (s) => (s.spec.sessionAffinity = 'Cookie'),
      ['spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"'],
    ],
    [
      'affinity timeout out of range',
      (s) => ((s.spec.sessionAffinity = 'ClientIP'), (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 90000 } })),
      ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400'],
    ],
    [
      'clusterIP not an IP',
      (s) => (s.spec.clusterIP = '10.43.0.999'),
      ['spec.clusterIPs[0]: Invalid value: "10.43.0.999": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    [
      'headless NodePort',
      (s) => ((s.spec.type = 'NodePort'), (s.spec.clusterIP = 'None')),
      ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    ],
    ['ExternalName without a name', (s) => (s.spec = { type: 'ExternalName' }), ['spec.externalName: Required value']],
    [
      'duplicate port and protocol',
      (s) => (s.spec.ports[1].port = 80),
      ['spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ],
    [
      'externalTrafficPolicy on a ClusterIP Service',
      (s) => (s.spec.externalTrafficPolicy = 'Local'),
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ],
  ];
  for (const [name, edit, want] of cases) test(name, () => assert.deepEqual(errorsOf(service(edit)), want));
});

describe('Service update', () => {
  const old = service((s) => (s.spec.clusterIP = '10.43.0.10'));

  test('clusterIP may not change', () => {
    const next = structuredClone(old);
    next.spec.clusterIP = '10.43.0.11';
    next.spec.clusterIPs = ['10.43.0.11'];
    assert.deepEqual(
      validateUpdate(R.service, next, old).map((e) => formatFieldError(e)),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.11"}: may not change once set'],
    );
  });

  test('changing ports and selector is fine', () => {
    const next = structuredClone(old);
    next.spec.ports[0].port = 8080;
    next.spec.selector = { app: 'other' };
    assert.deepEqual(validateUpdate(R.service, next, old), []);
  });

  test('switching to ExternalName is not a clusterIP change', () => {
    const next = { metadata: old.metadata, spec: { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' } };
    assert.deepEqual(validateUpdate(R.service, next, old), []);
  });
});
