/**
 * The cluster's public key infrastructure on disk, under `SERVER_DIR/tls/`: one CA made at
 * first start, the API server's serving certificate and the admin's client certificate, both
 * signed by it. Later starts reuse what is there and re-issue a leaf certificate only when it
 * no longer fits: wanted names not covered, near or past expiry, not from this CA, or its key
 * lost (a crash between writing a new key and its certificate). The CA is never replaced
 * silently, since every kubeconfig and node trusts it.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './credential-files.ts';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateSubject,
  type KeyPair,
} from './certificates.ts';

export type { CertificateSubject } from './certificates.ts';

/** The cluster's certificates and keys, all PEM. */
export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

/** Subject alternative names, split the way X.509 stores them. */
export interface Sans {
  dns: string[];
  ips: string[];
}

export interface EnsurePkiOptions {
  /** Extra names and addresses the serving certificate must cover (e.g. a load balancer's). */
  sans: Sans;
  /** The current time (default: the system clock); decides expiry and validity periods. */
  now?: Date;
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Leaf certificates are renewed this long before they expire, as k3s does. */
const RENEW_BEFORE_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * Names every API server answers to: loopback, and the in-cluster names and ClusterIP of the
 * `kubernetes` Service (10.43.0.1 is the first address of the default service CIDR).
 */
const BUILTIN_SANS: Sans = {
  dns: [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ],
  ips: ['127.0.0.1', '::1', '10.43.0.1'],
};

const ADMIN_SUBJECT: CertificateSubject = { commonName: 'system:admin', organizations: ['system:masters'] };
const SERVING_SUBJECT: CertificateSubject = { commonName: 'kube-apiserver' };

/**
 * Loads the cluster PKI from `serverDir/tls/`, creating or renewing what is missing or unfit.
 * Keys are written 0600, every file atomically.
 * @throws Error when the CA certificate exists without its key (the CA cannot be recovered).
 */
export async function ensurePki(serverDir: string, options: EnsurePkiOptions): Promise<Pki> {
  const now = options.now ?? new Date();
  const dir = join(serverDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    ca: clusterCaFiles(serverDir),
    serving: pairFiles(dir, 'serving-kube-apiserver'),
    admin: pairFiles(dir, 'client-admin'),
  };

  const wanted = servingSans(options.sans);
  const ca = await ensureCertificateAuthority(files.ca, now);
  const [serving, admin] = await Promise.all([
    ensureLeaf(files.serving, ca, now, (cert) => covers(cert, wanted), () =>
      issueCertificate(ca, { subject: SERVING_SUBJECT, usage: 'server', days: LEAF_DAYS, sans: wanted, now }),
    ),
    ensureLeaf(files.admin, ca, now, () => true, () =>
      issueCertificate(ca, { subject: ADMIN_SUBJECT, usage: 'client', days: LEAF_DAYS, now }),
    ),
  ]);
  return {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
  };
}

/** Where the cluster CA lives under `serverDir`: what the servers of one cluster share. */
export function clusterCaFiles(serverDir: string): { cert: string; key: string } {
  return pairFiles(join(serverDir, 'tls'), 'server-ca');
}

/** Loads the cluster CA alone, creating it when there is none (a cluster's first server). */
export async function ensureClusterCa(serverDir: string, now = new Date()): Promise<KeyPair> {
  await mkdir(join(serverDir, 'tls'), { recursive: true, mode: 0o700 });
  return ensureCertificateAuthority(clusterCaFiles(serverDir), now);
}

/**
 * Issues a client certificate signed by the cluster CA, e.g. a kubelet's
 * (`{ commonName: 'system:node:NAME', organizations: ['system:nodes'] }`).
 * @param days validity, default 365
 */
export async function issueClientCertificate(
  pki: Pki,
  subject: CertificateSubject,
  days = LEAF_DAYS,
): Promise<{ certPem: string; keyPem: string }> {
  return issueCertificate({ certPem: pki.caCertPem, keyPem: pki.caKeyPem }, { subject, usage: 'client', days });
}

/**
 * This machine's own names and addresses: its host name and every address of every interface,
 * so that the server is reachable under any of them without a certificate error.
 */
export function hostSans(): Sans {
  const name = hostname().toLowerCase();
  const ips = Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .map((a) => a.address);
  return { dns: isDnsName(name) ? [name] : [], ips };
}

interface PairFiles {
  cert: string;
  key: string;
}

function pairFiles(dir: string, base: string): PairFiles {
  return { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}

async function ensureCertificateAuthority(files: PairFiles, now: Date): Promise<KeyPair> {
  const [certPem, keyPem] = await Promise.all([readFileIfExists(files.cert), readFileIfExists(files.key)]);
  if (certPem !== undefined) {
    if (keyPem === undefined || !matches(certPem, keyPem)) {
      throw new Error(`cluster CA ${files.cert} has no matching private key at ${files.key}`);
    }
    return { certPem, keyPem };
  }
  // No certificate means no one can trust this CA yet: a key left alone by a crash is discarded.
  const ca = await createCertificateAuthority(`skiff-server-ca@${Math.floor(now.getTime() / 1000)}`, {
    days: CA_DAYS,
    now,
  });
  await writePair(files, ca);
  return ca;
}

async function ensureLeaf(
  files: PairFiles,
  ca: KeyPair,
  now: Date,
  fits: (cert: X509Certificate) => boolean,
  issue: () => Promise<KeyPair>,
): Promise<KeyPair> {
  const [certPem, keyPem] = await Promise.all([readFileIfExists(files.cert), readFileIfExists(files.key)]);
  if (certPem !== undefined && keyPem !== undefined && usable(certPem, keyPem, ca, now, fits)) {
    return { certPem, keyPem };
  }
  const pair = await issue();
  await writePair(files, pair);
  return pair;
}

function usable(
  certPem: string,
  keyPem: string,
  ca: KeyPair,
  now: Date,
  fits: (cert: X509Certificate) => boolean,
): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return false;
  }
  const caCert = new X509Certificate(ca.certPem);
  return (
    matches(certPem, keyPem) &&
    cert.checkIssued(caCert) &&
    cert.verify(caCert.publicKey) &&
    new Date(cert.validFrom).getTime() <= now.getTime() &&
    new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS &&
    fits(cert)
  );
}

/** The key is written before the certificate, so a crash in between shows up here as a mismatch. */
async function writePair(files: PairFiles, pair: KeyPair): Promise<void> {
  await writeFileAtomic(files.key, pair.keyPem, 0o600);
  await writeFileAtomic(files.cert, pair.certPem, 0o644);
}

function matches(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function covers(cert: X509Certificate, sans: Sans): boolean {
  return (
    sans.dns.every((name) => cert.checkHost(name, { subject: 'never', wildcards: false }) !== undefined) &&
    sans.ips.every((ip) => cert.checkIP(ip) !== undefined)
  );
}

function servingSans(extra: Sans): Sans {
  for (const ip of extra.ips) {
    if (!isIP(ip)) throw new Error(`invalid IP address for the serving certificate: ${JSON.stringify(ip)}`);
  }
  for (const name of extra.dns) {
    if (!isDnsName(name)) throw new Error(`invalid DNS name for the serving certificate: ${JSON.stringify(name)}`);
  }
  const host = hostSans();
  return {
    dns: unique([...BUILTIN_SANS.dns, ...host.dns, ...extra.dns].map((n) => n.toLowerCase())),
    ips: unique([...BUILTIN_SANS.ips, ...host.ips, ...extra.ips]),
  };
}

/** ASCII labels only: Go's X.509 parser (kubectl's) rejects a certificate with a malformed dNSName. */
function isDnsName(name: string): boolean {
  return /^(\*\.)?[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*$/i.test(name) && name.length <= 253;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
