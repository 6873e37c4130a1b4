/**
 * Several servers, one cluster: the secrets every server must share (CA, service account key,
 * node-join secret) live in the datastore too, sealed with the server token (see
 * cluster-secrets-cipher.ts), under one key. The first server of a cluster puts its own there;
 * every other server, started on the same datastore with `--token`, takes them from there
 * before it makes any certificate, so every server's kubeconfig and client certificates work
 * against every server. Serving certificates stay per server (each with its own names), all
 * signed by the shared CA.
 *
 * One fixed key, created with compare-and-swap, decides a race between servers starting at
 * once on an empty datastore: exactly one creation succeeds, and the others read the winner's
 * (or fail with a wrong token, never forming a second cluster on the same datastore).
 */
import { KeyExistsError, type Store } from '../storage/index.ts';
import { readFileIfExists } from './auth/credential-files.ts';
import { openClusterSecrets, sealClusterSecrets } from './cluster-secrets-cipher.ts';
import { ensureLocalClusterSecrets, tokenPath, writeLocalClusterSecrets } from './cluster-secrets-files.ts';

export { WrongTokenError, type ClusterSecrets } from './cluster-secrets-cipher.ts';

/** Where the sealed secrets live: outside `/registry/`, so no API request can reach them. */
export const BOOTSTRAP_KEY = '/bootstrap/cluster';

/** The datastore holds a cluster, and this server has no token to open its secrets with. */
export class TokenRequiredError extends Error {
  constructor() {
    super('the datastore already holds a cluster: pass --token with the contents of DATA_DIR/server/token from one of its servers');
    this.name = 'TokenRequiredError';
  }
}

export interface ClusterSecretsOptions {
  /** The server token from `--token`; default: this server's own token file. */
  token?: string;
  log: (line: string) => void;
}

/**
 * Makes the server directory hold the cluster's shared secrets: takes them from the datastore
 * when a cluster is there, or stores this server's (made now if missing) when it is the first.
 * Nothing is written locally when the token is wrong.
 * @throws WrongTokenError, TokenRequiredError
 */
export async function ensureClusterSecrets(store: Store, serverDir: string, options: ClusterSecretsOptions): Promise<void> {
  const given = options.token?.trim() || undefined;
  let sealed = (await store.get(BOOTSTRAP_KEY))?.value;
  if (sealed === undefined) {
    const local = await ensureLocalClusterSecrets(serverDir, given);
    try {
      await store.create(BOOTSTRAP_KEY, await sealClusterSecrets(local.secrets, local.token));
      return;
    } catch (err) {
      if (!(err instanceof KeyExistsError)) throw err;
      sealed = (await store.get(BOOTSTRAP_KEY))?.value;
      if (sealed === undefined) throw new Error('the cluster bootstrap data vanished from the datastore while this server started', { cause: err });
    }
  }
  const token = given ?? (await readFileIfExists(tokenPath(serverDir)))?.trim();
  if (!token) throw new TokenRequiredError();
  const secrets = await openClusterSecrets(sealed, token);
  const { caChanged } = await writeLocalClusterSecrets(serverDir, { token, secrets });
  if (caChanged) options.log('took the cluster CA and keys from the datastore: joining an existing cluster');
}
