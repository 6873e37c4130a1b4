/** networking.k8s.io defaults: an IngressClass's parameters are cluster-scoped unless they say otherwise. */
import { isObject, setDefault } from './set.ts';

export function defaultIngressClass(ic: any): void {
  const params = ic.spec?.parameters;
  if (isObject(params)) setDefault(params, 'scope', 'Cluster');
}
