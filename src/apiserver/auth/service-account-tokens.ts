/**
 * Service account tokens, as the TokenRequest API (`serviceaccounts/<name>/token`, `kubectl
 * create token`) issues them: JWTs signed ES256 with a key kept in the server directory
 * (`service-account.key`, created once, mode 0600), naming the service account in upstream's
 * claims. The authenticator accepts a token that this key signed, that has not expired and
 * whose audience includes the API server's, as the user `system:serviceaccount:<ns>:<name>`
 * in the groups `system:serviceaccounts` and `system:serviceaccounts:<ns>`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './credential-files.ts';
import type { UserInfo } from './authenticate.ts';

/** The issuer, and the audience tokens get when the request names none (upstream's default). */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

/** What a token is issued for. */
export interface TokenClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  /** The object the token is bound to (a Pod or Secret), if any. */
  boundObject?: { kind: string; name: string; uid?: string };
}

export interface ServiceAccountTokens {
  /** A signed token and when it expires (RFC 3339). */
  issue(claims: TokenClaims, now?: Date): { token: string; expirationTimestamp: string };
  /** The user a token authenticates, or undefined when it is not a valid token for this API server. */
  authenticate(token: string, now?: number): UserInfo | undefined;
}

const base64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Where the signing key lives under `serverDir` (every server of a cluster holds the same one). */
export function serviceAccountKeyPath(serverDir: string): string {
  return join(serverDir, 'service-account.key');
}

/** Reads the signing key from `serverDir`, creating it on first start. */
export async function ensureServiceAccountTokens(serverDir: string): Promise<ServiceAccountTokens> {
  const path = serviceAccountKeyPath(serverDir);
  let pem = await readFileIfExists(path);
  if (!pem) {
    pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFileAtomic(path, pem);
  }
  return serviceAccountTokens(createPrivateKey(pem));
}

/** Tokens signed and checked with `key` (an EC P-256 private key). */
export function serviceAccountTokens(key: KeyObject): ServiceAccountTokens {
  const publicKey = createPublicKey(key);
  const kid = base64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
  return {
    issue(claims, now = new Date()) {
      const iat = Math.floor(now.getTime() / 1000);
      const exp = iat + claims.expirationSeconds;
      const k8s: Record<string, unknown> = { namespace: claims.namespace, serviceaccount: claims.serviceAccount };
      if (claims.boundObject) k8s[claims.boundObject.kind.toLowerCase()] = { name: claims.boundObject.name, uid: claims.boundObject.uid };
      const payload = {
        aud: claims.audiences,
        exp,
        iat,
        iss: API_AUDIENCE,
        'kubernetes.io': k8s,
        nbf: iat,
        sub: `system:serviceaccount:${claims.namespace}:${claims.serviceAccount.name}`,
      };
      const signingInput = `${base64url(JSON.stringify({ alg: 'ES256', kid }))}.${base64url(JSON.stringify(payload))}`;
      const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
      return { token: `${signingInput}.${base64url(signature)}`, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') };
    },
    authenticate(token, now = Date.now()) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      try {
        const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
        if (header.alg !== 'ES256') return undefined;
        const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
        if (!ok) return undefined;
        const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
        const seconds = now / 1000;
        if (claims.iss !== API_AUDIENCE || typeof claims.exp !== 'number' || claims.exp < seconds || (claims.nbf ?? 0) > seconds + 60) return undefined;
        const aud: string[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!aud.includes(API_AUDIENCE)) return undefined;
        const k8s = claims['kubernetes.io'] ?? {};
        const ns = String(k8s.namespace ?? '');
        const name = String(k8s.serviceaccount?.name ?? '');
        if (!ns || !name || claims.sub !== `system:serviceaccount:${ns}:${name}`) return undefined;
        return { username: claims.sub, uid: k8s.serviceaccount?.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`] };
      } catch {
        return undefined;
      }
    },
  };
}
