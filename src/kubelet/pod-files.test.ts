import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { formatResolvConf, hostsFileContent, parseResolvConf, podDNSConfig, podHostname, writePodFiles } from './pod-files.ts';

function pod(spec: Partial<PodSpec> = {}, name = 'web-0'): Pod {
  return { metadata: { name, namespace: 'shop', uid: 'u1' }, spec: { containers: [{ name: 'c' }], ...spec } };
}

const LOCAL = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

describe('podHostname', () => {
  const cases: Array<[string, Pod, { hostname: string; domain?: string }]> = [
    ['pod name', pod(), { hostname: 'web-0', domain: undefined }],
    ['spec.hostname and subdomain', pod({ hostname: 'db', subdomain: 'backend' }), { hostname: 'db', domain: 'backend.shop.svc.cluster.local' }],
    ['setHostnameAsFQDN', pod({ subdomain: 'backend', setHostnameAsFQDN: true }), { hostname: 'web-0.backend.shop.svc.cluster.local', domain: 'backend.shop.svc.cluster.local' }],
    ['long names cut to 63 without a trailing dash', pod({}, `${'a'.repeat(62)}-bbb`), { hostname: 'a'.repeat(62), domain: undefined }],
  ];
  for (const [name, p, want] of cases) test(name, () => assert.deepEqual(podHostname(p, 'cluster.local'), want));
});

describe('hostsFileContent', () => {
  const cases: Array<[string, Pod, string[], string[]]> = [
    ['no pod IP yet: localhost only', pod(), [], [...LOCAL]],
    ['pod IP with its hostname', pod(), ['10.42.0.5'], [...LOCAL, '10.42.0.5\tweb-0']],
    ['subdomain gives the FQDN', pod({ hostname: 'db', subdomain: 'backend' }), ['10.42.0.5'], [...LOCAL, '10.42.0.5\tdb.backend.shop.svc.cluster.local\tdb']],
    [
      'hostAliases after a blank line',
      pod({ hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'foo.local'] }, { ip: '5.6.7.8', hostnames: ['bar'] }] }),
      ['10.42.0.5'],
      [...LOCAL, '10.42.0.5\tweb-0', '', '# Entries added by HostAliases.', '1.2.3.4\tfoo\tfoo.local', '5.6.7.8\tbar'],
    ],
  ];
  for (const [name, p, ips, lines] of cases) {
    test(name, () => assert.equal(hostsFileContent(p, { podIPs: ips, clusterDomain: 'cluster.local' }), `${lines.join('\n')}\n`));
  }
  test('hostNetwork pods get the node file', () => {
    const text = hostsFileContent(pod({ hostNetwork: true, hostAliases: [{ ip: '1.1.1.1', hostnames: ['one'] }] }), {
      podIPs: ['192.168.1.2'],
      clusterDomain: 'cluster.local',
      hostHostsFile: '127.0.0.1 localhost\n192.168.1.2 node1\n',
    });
    assert.equal(text, '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.2 node1\n\n# Entries added by HostAliases.\n1.1.1.1\tone\n');
  });
});

describe('podDNSConfig', () => {
  const host = parseResolvConf('# node\nnameserver 192.168.1.1\nnameserver 8.8.8.8\nsearch corp.example\noptions edns0\n');
  const clusterDNS = ['10.43.0.10'];
  const cases: Array<[string, Partial<PodSpec>, string[], string]> = [
    ['ClusterFirst', {}, clusterDNS, 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.43.0.10\noptions ndots:5\n'],
    ['ClusterFirst without cluster DNS falls back to Default', {}, [], 'search corp.example\nnameserver 192.168.1.1\nnameserver 8.8.8.8\noptions edns0\n'],
    ['Default', { dnsPolicy: 'Default' }, clusterDNS, 'search corp.example\nnameserver 192.168.1.1\nnameserver 8.8.8.8\noptions edns0\n'],
    ['hostNetwork with ClusterFirst uses the node', { hostNetwork: true }, clusterDNS, 'search corp.example\nnameserver 192.168.1.1\nnameserver 8.8.8.8\noptions edns0\n'],
    [
      'hostNetwork with ClusterFirstWithHostNet uses the cluster',
      { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
      clusterDNS,
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    ],
    ['None with dnsConfig', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } }, clusterDNS, 'search a.example\nnameserver 1.1.1.1\noptions ndots:2 rotate\n'],
    [
      'dnsConfig merged into ClusterFirst, options by name',
      { dnsConfig: { nameservers: ['10.43.0.10', '1.1.1.1'], searches: ['extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }] } },
      clusterDNS,
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\nnameserver 10.43.0.10\nnameserver 1.1.1.1\noptions ndots:1 edns0\n',
    ],
  ];
  for (const [name, spec, dns, want] of cases) {
    test(name, () => assert.equal(formatResolvConf(podDNSConfig(pod(spec), { clusterDNS: dns, clusterDomain: 'cluster.local', host })), want));
  }
  test('the fallback is reported as MissingClusterDNS', () => {
    const events: string[] = [];
    podDNSConfig(pod(), { clusterDNS: [], clusterDomain: 'cluster.local', host, onEvent: (reason, message) => events.push(`${reason}: ${message}`) });
    assert.deepEqual(events, ['MissingClusterDNS: pod: "web-0_shop(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.']);
  });
  test('limits: nameservers past three and search domains past the line length are dropped, with DNSConfigForming', () => {
    const events: string[] = [];
    const long = Array.from({ length: 12 }, (_, i) => `d${i}.${'x'.repeat(190)}.example`);
    const config = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: long } }), {
      clusterDNS,
      clusterDomain: 'cluster.local',
      host,
      onEvent: (reason, message) => events.push(`${reason}: ${message}`),
    });
    assert.deepEqual(config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.deepEqual(config.searches, long.slice(0, 10));
    assert.deepEqual(events, [
      'DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3',
      `DNSConfigForming: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${long.slice(0, 10).join(' ')}`,
    ]);
  });
  test('host search domains lose their trailing dot; an option with an empty value is written bare', () => {
    const config = podDNSConfig(pod({ dnsConfig: { options: [{ name: 'edns0', value: '' }] } }), { clusterDNS, clusterDomain: 'cluster.local', host: parseResolvConf('search corp.example. cluster.local.\n') });
    assert.equal(formatResolvConf(config), 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.43.0.10\noptions ndots:5 edns0\n');
  });
});

test('writePodFiles writes the three files and returns their mounts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-podfiles-'));
  try {
    const resolv = join(dir, 'host-resolv.conf');
    await writeFile(resolv, 'nameserver 9.9.9.9\n');
    const podDir = join(dir, 'pod');
    const mounts = await writePodFiles(pod({ subdomain: 'backend' }), podDir, { podIPs: ['10.42.0.9'], clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolvConf: resolv });
    assert.deepEqual(mounts, [
      { containerPath: '/etc/hosts', hostPath: join(podDir, 'etc-hosts'), readOnly: false },
      { containerPath: '/etc/resolv.conf', hostPath: join(podDir, 'resolv.conf'), readOnly: false },
      { containerPath: '/etc/hostname', hostPath: join(podDir, 'hostname'), readOnly: false },
    ]);
    assert.match(await readFile(join(podDir, 'etc-hosts'), 'utf8'), /^10\.42\.0\.9\tweb-0\.backend\.shop\.svc\.cluster\.local\tweb-0$/m);
    assert.equal(await readFile(join(podDir, 'resolv.conf'), 'utf8'), 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n');
    assert.equal(await readFile(join(podDir, 'hostname'), 'utf8'), 'web-0\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
