/** Tables of Services, Endpoints and EndpointSlices. */
import { AGE, NAME } from './columns.ts';
import { age, formatLabels } from './format.ts';
import { column, type TablePrinter } from './types.ts';

/** Load-balancer ingress addresses (IP, else host name), sorted and deduplicated. */
function loadBalancerAddresses(svc: any): string[] {
  const set = new Set<string>();
  for (const ing of svc?.status?.loadBalancer?.ingress ?? []) {
    if (ing?.ip) set.add(ing.ip);
    else if (ing?.hostname) set.add(ing.hostname);
  }
  return [...set].sort();
}

/** The External-IP cell: external IPs, load-balancer addresses (`<pending>` until assigned), or the external name. */
function externalIP(svc: any): string {
  const externalIPs: string[] = svc?.spec?.externalIPs ?? [];
  switch (svc?.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc);
      if (externalIPs.length) return [...lb, ...externalIPs].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc?.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, or `80:30080/TCP` with a node port, comma-joined. */
function ports(svc: any): string {
  const list: any[] = svc?.spec?.ports ?? [];
  if (list.length === 0) return '<none>';
  return list
    .map((p) => {
      const protocol = p?.protocol ?? 'TCP';
      return p?.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p?.port}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME,
    column('Type', 'string', 'How the service is exposed.'),
    column('Cluster-IP', 'string', 'The virtual IP of the service inside the cluster.'),
    column('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    column('Port(s)', 'string', 'The ports the service exposes.'),
    AGE,
    column('Selector', 'string', 'Labels of the pods the service routes to.', { priority: 1 }),
  ],
  cells(svc, now) {
    const clusterIP = svc?.spec?.clusterIPs?.[0] ?? svc?.spec?.clusterIP;
    return [
      svc?.metadata?.name ?? '',
      svc?.spec?.type ?? '',
      clusterIP || '<none>',
      externalIP(svc),
      ports(svc),
      age(svc, now),
      formatLabels(svc?.spec?.selector),
    ];
  },
};

/** Shows at most three entries, then `+ N more...`. */
const SHOWN = 3;

function withMore(list: string[], total: number): string {
  const shown = list.join(',');
  return total > SHOWN ? `${shown} + ${total - SHOWN} more...` : shown;
}

/** `ip:port` for every address and port of every subset (just `ip` for a subset without ports). */
function endpointsCell(ep: any): string {
  const subsets: any[] = ep?.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addresses: any[] = ss?.addresses ?? [];
    const portList: any[] = ss?.ports ?? [];
    if (portList.length === 0) {
      total += addresses.length;
      for (const a of addresses) if (list.length < SHOWN) list.push(a?.ip);
      continue;
    }
    for (const p of portList) {
      total += addresses.length;
      for (const a of addresses) {
        if (list.length < SHOWN) list.push(a?.ip?.includes(':') ? `[${a.ip}]:${p?.port}` : `${a?.ip}:${p?.port}`);
      }
    }
  }
  return withMore(list, total);
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME, column('Endpoints', 'string', 'The addresses and ports of the ready endpoints.'), AGE],
  cells(ep, now) {
    return [ep?.metadata?.name ?? '', endpointsCell(ep), age(ep, now)];
  },
};

/** Like {@link withMore}, but `<unset>` for an empty list. */
function sliceList(list: string[], total: number): string {
  const text = withMore(list, total);
  return text === '' ? '<unset>' : text;
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME,
    column('AddressType', 'string', 'The type of the addresses in the slice.'),
    column('Ports', 'string', 'The ports of the slice.'),
    column('Endpoints', 'string', 'The addresses of the endpoints in the slice.'),
    AGE,
  ],
  cells(slice, now) {
    const portList: any[] = slice?.ports ?? [];
    const portCells = portList.slice(0, SHOWN).map((p) => (typeof p?.port === 'number' ? String(p.port) : p?.name ?? '*'));
    const addresses: string[] = (slice?.endpoints ?? []).flatMap((e: any) => e?.addresses ?? []);
    return [
      slice?.metadata?.name ?? '',
      slice?.addressType ?? '',
      sliceList(portCells, portList.length),
      sliceList(addresses.slice(0, SHOWN), addresses.length),
      age(slice, now),
    ];
  },
};
