/** Tables of Ingresses and IngressClasses. */
import { AGE, NAME } from './columns.ts';
import { age } from './format.ts';
import { column, type TablePrinter } from './types.ts';

function hosts(ing: any): string {
  const list = (ing?.spec?.rules ?? []).map((r: any) => r?.host).filter((h: unknown) => h);
  return list.length ? list.join(',') : '*';
}

function addresses(ing: any): string {
  return (ing?.status?.loadBalancer?.ingress ?? []).map((i: any) => i?.ip || i?.hostname).filter((a: unknown) => a).join(',');
}

export const ingressPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Class', 'string', 'The IngressClass that serves the Ingress.'),
    column('Hosts', 'string', 'Hosts the Ingress answers for.'),
    column('Address', 'string', 'Addresses the Ingress is reachable at.'),
    column('Ports', 'string', 'Ports the Ingress is served on.'),
    AGE,
  ],
  cells(ing, now) {
    const ports = ing?.spec?.tls?.length ? '80, 443' : '80';
    return [ing?.metadata?.name ?? '', ing?.spec?.ingressClassName ?? '<none>', hosts(ing), addresses(ing), ports, age(ing, now)];
  },
};

export const ingressClassPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Controller', 'string', 'The controller that implements the class.'),
    column('Parameters', 'string', 'The resource holding the controller\u2019s parameters.'),
    AGE,
  ],
  cells(ic, now) {
    const p = ic?.spec?.parameters;
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic?.metadata?.name ?? '', ic?.spec?.controller ?? '', params, age(ic, now)];
  },
};
