// temporary probe (H2), deleted after use
import { performance } from 'node:perf_hooks';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient } from '../src/client/index.ts';
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const NS = findResource('', 'v1', 'namespaces')!;
const client = await RestClient.fromKubeconfig(process.argv[2], { userAgent: 'h2-probe' });
const end = Date.now() + Number(process.argv[3]) * 1000;
while (Date.now() < end) {
  const t0 = performance.now();
  await client.get(NS, undefined, 'default');
  const t1 = performance.now();
  const l: any = await client.get(LEASES, 'kube-node-lease', 'hollow-7');
  const t2 = performance.now();
  await client.update(LEASES, l).catch((e: Error) => e);
  const t3 = performance.now();
  console.log(`${new Date().toISOString().slice(11, 19)} get-ns ${(t1 - t0).toFixed(0)} get-lease ${(t2 - t1).toFixed(0)} put-lease ${(t3 - t2).toFixed(0)} ms`);
  await new Promise((r) => setTimeout(r, 2000));
}
client.close();
