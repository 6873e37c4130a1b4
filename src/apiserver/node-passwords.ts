/**
 * The server's keeper of node passwords (see auth/node-password.ts): checks the password a
 * certificate request carries against the Secret `kube-system/<node>.node-password.skiff`,
 * recording it on a name's first request. Written through the registry, as any API object.
 *
 * So that `kubectl delete node NAME` frees the name, the Secret is owned by its Node and the
 * garbage collector removes it with the Node. A node asks for its certificate before it
 * registers its Node, so a Secret recorded for a Node not there yet is adopted once the Node
 * appears (looked for a while after recording, and at every later matching request).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Node, Secret } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import {
  decideNodePassword,
  hashNodePassword,
  NODE_PASSWORD_HASH_KEY,
  NODE_PASSWORD_NAMESPACE,
  nodePasswordMismatchMessage,
  nodePasswordSecretName,
} from './auth/node-password.ts';
import { forbidden, StatusError } from './errors.ts';
import type { KObject } from './registry/object-store.ts';
import type { Registry } from './registry/registry.ts';

const SECRETS = findResource('', 'v1', 'secrets')!;
const NODES = findResource('', 'v1', 'nodes')!;
/** How long after recording a password its Node is looked for, and how often. */
const ADOPT_WITHIN_MS = 10 * 60 * 1000;
const ADOPT_POLL_MS = 1000;

export interface NodePasswordsOptions {
  registry: Registry;
  log: (line: string) => void;
}

/** Checks and records node passwords; `stop()` ends the waits for Nodes to appear. */
export class NodePasswords {
  private readonly registry: Registry;
  private readonly log: (line: string) => void;
  private readonly stopping = new AbortController();
  /** Nodes whose appearance is being waited for. */
  private readonly awaited = new Set<string>();

  constructor(options: NodePasswordsOptions) {
    this.registry = options.registry;
    this.log = options.log;
  }

  /**
   * Accepts `password` for node `nodeName` (recording it if the name has none yet).
   * @throws StatusError 403 when the name is recorded with another password
   */
  async verify(nodeName: string, password: string): Promise<void> {
    const name = nodePasswordSecretName(nodeName);
    for (;;) {
      const kept = await tryGet<Secret>(this.registry, SECRETS, NODE_PASSWORD_NAMESPACE, name);
      const decision = await decideNodePassword(kept && keptHash(kept), password);
      if (decision === 'refuse') throw forbidden(nodePasswordMismatchMessage(nodeName), { group: '', resource: 'nodes', name: nodeName });
      if (decision === 'accept') {
        if (!kept!.metadata?.ownerReferences?.length) await this.adopt(nodeName);
        return;
      }
      const node = await tryGet<Node>(this.registry, NODES, '', nodeName);
      try {
        await this.registry.create(SECRETS, NODE_PASSWORD_NAMESPACE, await passwordSecret(nodeName, password, node));
      } catch (err) {
        // Another request for this name recorded its password first: check against that one.
        if (err instanceof StatusError && err.code === 409) continue;
        throw err;
      }
      this.log(`node-join: recorded the password of node ${nodeName}`);
      if (!node) void this.adoptWhenRegistered(nodeName);
      return;
    }
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Makes node `nodeName`'s Node the owner of its password Secret, if the Node exists. */
  private async adopt(nodeName: string): Promise<boolean> {
    const node = await tryGet<Node>(this.registry, NODES, '', nodeName);
    if (!node) return false;
    await this.registry.mutate(SECRETS, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName(nodeName), (secret) => {
      if (!secret.metadata.ownerReferences?.length) secret.metadata.ownerReferences = [ownerReference(node)];
      return secret;
    });
    return true;
  }

  private async adoptWhenRegistered(nodeName: string): Promise<void> {
    if (this.awaited.has(nodeName)) return;
    this.awaited.add(nodeName);
    const signal = this.stopping.signal;
    const giveUp = Date.now() + ADOPT_WITHIN_MS;
    try {
      while (!signal.aborted && Date.now() < giveUp) {
        await delay(ADOPT_POLL_MS, undefined, { signal, ref: false });
        if (await this.adopt(nodeName)) return;
      }
    } catch (err) {
      // Stopping, or the Secret was deleted meanwhile: nothing left to adopt.
      if (!signal.aborted && !(err instanceof StatusError && err.code === 404)) this.log(`node-join: cannot make node ${nodeName} own its password Secret: ${(err as Error).message}`);
    } finally {
      this.awaited.delete(nodeName);
    }
  }
}

async function passwordSecret(nodeName: string, password: string, node: Node | undefined): Promise<KObject> {
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: nodePasswordSecretName(nodeName),
      namespace: NODE_PASSWORD_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'skiff' },
      ...(node ? { ownerReferences: [ownerReference(node)] } : {}),
    },
    type: 'Opaque',
    immutable: true,
    data: { [NODE_PASSWORD_HASH_KEY]: Buffer.from(await hashNodePassword(password)).toString('base64') },
  };
  return secret as KObject;
}

function ownerReference(node: Node) {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata!.name!, uid: node.metadata!.uid! };
}

/** The kept hash; empty (matching nothing) when the Secret lacks it. */
function keptHash(secret: Secret): string {
  const data = secret.data?.[NODE_PASSWORD_HASH_KEY];
  return data ? Buffer.from(data, 'base64').toString('utf8') : '';
}

async function tryGet<T>(registry: Registry, r: ResourceInfo, namespace: string, name: string): Promise<T | undefined> {
  try {
    return (await registry.get(r, namespace, name)) as T;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}
