import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { proxiedServicePorts, type ProxiedServicePort } from './service-ports.ts';

function svc(name: string, spec: Partial<ServiceSpec> = {}, status?: Service['status'], labels?: Record<string, string>): Service {
  return {
    metadata: { namespace: 'ns', name, labels },
    spec: { clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec },
    status,
  };
}

function ep(ip: string, conditions: Endpoint['conditions'] = { ready: true }, nodeName = 'n1'): Endpoint {
  return { addresses: [ip], conditions, nodeName };
}

function slice(service: string, endpoints: Endpoint[], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }], name = `${service}-abc`): EndpointSlice {
  return { metadata: { namespace: 'ns', name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', ports, endpoints };
}

const summary = (ports: ProxiedServicePort[]) =>
  ports.map((p) => ({
    id: p.id,
    vips: [...p.clusterIPs, ...p.externalIPs.map((ip) => `ext:${ip}`), ...(p.nodePort ? [`node:${p.nodePort}`] : [])],
    cluster: p.clusterEndpoints.map((e) => `${e.ip}:${e.port}`),
    external: p.externalEndpoints.map((e) => `${e.ip}:${e.port}`),
    ...(p.affinityTimeoutSeconds !== undefined ? { affinity: p.affinityTimeoutSeconds } : {}),
  }));

const cases: { name: string; services: Service[]; slices: EndpointSlice[]; want: ReturnType<typeof summary> }[] = [
  {
    name: 'ready endpoints of every slice, sorted; not-ready ones left out; unset ready counts as ready',
    services: [svc('web')],
    slices: [
      slice('web', [ep('10.42.0.9'), ep('10.42.0.3', { ready: false })], undefined, 'a'),
      slice('web', [ep('10.42.1.2', {}), ep('10.42.0.10')], undefined, 'b'),
    ],
    want: [{ id: 'ns/web/tcp/http', vips: ['10.43.0.10'], cluster: ['10.42.0.9:8080', '10.42.0.10:8080', '10.42.1.2:8080'], external: ['10.42.0.9:8080', '10.42.0.10:8080', '10.42.1.2:8080'] }],
  },
  {
    name: 'no ready endpoint: the serving terminating ones are used',
    services: [svc('web')],
    slices: [slice('web', [ep('10.42.0.5', { ready: false, serving: true, terminating: true }), ep('10.42.0.6', { ready: false, serving: false, terminating: true })])],
    want: [{ id: 'ns/web/tcp/http', vips: ['10.43.0.10'], cluster: ['10.42.0.5:8080'], external: ['10.42.0.5:8080'] }],
  },
  {
    name: 'headless, ExternalName and other proxies’ Services are not served; a Service without slices has no endpoints',
    services: [
      svc('headless', { clusterIP: 'None', clusterIPs: ['None'] }),
      svc('ext', { type: 'ExternalName', externalName: 'example.com', clusterIP: undefined, clusterIPs: undefined }),
      svc('other', {}, undefined, { 'service.kubernetes.io/service-proxy-name': 'foo' }),
      svc('lonely'),
    ],
    slices: [slice('headless', [ep('10.42.0.5')])],
    want: [{ id: 'ns/lonely/tcp/http', vips: ['10.43.0.10'], cluster: [], external: [] }],
  },
  {
    name: 'ports are matched by name and protocol; an unnamed port is named by its number',
    services: [
      svc('dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      svc('plain', { clusterIP: '10.43.0.11', clusterIPs: ['10.43.0.11'], ports: [{ port: 8000 }] }),
    ],
    slices: [
      slice('dns', [ep('10.42.0.1')], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }]),
      slice('plain', [ep('10.42.0.2')], [{ port: 9000 } as never]),
    ],
    want: [
      { id: 'ns/dns/tcp/dns-tcp', vips: ['10.43.0.10'], cluster: ['10.42.0.1:5354'], external: ['10.42.0.1:5354'] },
      { id: 'ns/dns/udp/dns', vips: ['10.43.0.10'], cluster: ['10.42.0.1:5353'], external: ['10.42.0.1:5353'] },
      { id: 'ns/plain/tcp/8000', vips: ['10.43.0.11'], cluster: ['10.42.0.2:9000'], external: ['10.42.0.2:9000'] },
    ],
  },
  {
    name: 'internalTrafficPolicy Local keeps this node’s endpoints for the cluster IP only',
    services: [svc('dns', { internalTrafficPolicy: 'Local', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30001 }] })],
    slices: [slice('dns', [ep('10.42.0.5', { ready: true }, 'n1'), ep('10.42.1.5', { ready: true }, 'n2')])],
    want: [{ id: 'ns/dns/tcp/http', vips: ['10.43.0.10', 'node:30001'], cluster: ['10.42.0.5:8080'], external: ['10.42.0.5:8080', '10.42.1.5:8080'] }],
  },
  {
    name: 'externalTrafficPolicy Local with no local endpoint: external traffic has none',
    services: [svc('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30002 }] })],
    slices: [slice('web', [ep('10.42.1.5', { ready: true }, 'n2')])],
    want: [{ id: 'ns/web/tcp/http', vips: ['10.43.0.10', 'node:30002'], cluster: ['10.42.1.5:8080'], external: [] }],
  },
  {
    name: 'LoadBalancer: node port, ingress IPs and external IPs; ClientIP affinity with its default timeout',
    services: [
      svc('lb', { type: 'LoadBalancer', externalIPs: ['192.0.2.7'], sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30003 }] }, {
        loadBalancer: { ingress: [{ ip: '192.168.5.1' }, { hostname: 'lb.example' }] },
      }),
    ],
    slices: [slice('lb', [ep('10.42.0.5')])],
    want: [{ id: 'ns/lb/tcp/http', vips: ['10.43.0.10', 'ext:192.0.2.7', 'ext:192.168.5.1', 'node:30003'], cluster: ['10.42.0.5:8080'], external: ['10.42.0.5:8080'], affinity: 10800 }],
  },
  {
    name: 'a ClusterIP Service ignores a nodePort and load-balancer status; affinity timeout from the config',
    services: [
      svc('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30004 }] }, {
        loadBalancer: { ingress: [{ ip: '192.168.5.1' }] },
      }),
    ],
    slices: [slice('web', [ep('10.42.0.5')]), { ...slice('web', [ep('fd00::1')]), addressType: 'IPv6' }],
    want: [{ id: 'ns/web/tcp/http', vips: ['10.43.0.10'], cluster: ['10.42.0.5:8080'], external: ['10.42.0.5:8080'], affinity: 60 }],
  },
  {
    name: 'an address in two slices (moving between them) is served once, ready copy winning',
    services: [svc('web')],
    slices: [slice('web', [ep('10.42.0.5', { ready: false })], undefined, 'a'), slice('web', [ep('10.42.0.5')], undefined, 'b')],
    want: [{ id: 'ns/web/tcp/http', vips: ['10.43.0.10'], cluster: ['10.42.0.5:8080'], external: ['10.42.0.5:8080'] }],
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(summary(proxiedServicePorts(c.services, c.slices, 'n1')), c.want);
  });
}
