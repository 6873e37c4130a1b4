/**
 * X.509 issuance for the cluster's own CA: ECDSA P-256 keys from WebCrypto (milliseconds to
 * make, unlike RSA) and certificates built with @peculiar/x509. Pure with respect to the
 * file system: pki.ts decides what to keep and when to renew.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded before the library's own module body runs.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes } from 'node:crypto';

const webcrypto = globalThis.crypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Leaf certificates start an hour in the past so that a node whose clock runs slightly behind
 * the server's does not reject a certificate issued a moment ago.
 */
const BACKDATE_MS = 60 * 60 * 1000;

/** A certificate and its private key, both PEM (the key as PKCS#8). */
export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/** Who a certificate names: Kubernetes reads the user from CN and the groups from O. */
export interface CertificateSubject {
  commonName: string;
  organizations?: string[];
}

export interface IssueOptions {
  subject: CertificateSubject;
  /** `server` certificates carry the serving SANs; `client` ones authenticate a user. */
  usage: 'server' | 'client';
  /** Validity in days from `now`. */
  days: number;
  /** Subject alternative names; only meaningful for `server` certificates. */
  sans?: { dns: string[]; ips: string[] };
  /** Issue time (default: the current time). */
  now?: Date;
}

/** Creates a self-signed certificate authority valid for `days` from `now`. */
export async function createCertificateAuthority(
  commonName: string,
  options: { days: number; now?: Date },
): Promise<KeyPair> {
  const now = options.now ?? new Date();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: distinguishedName({ commonName }),
      notBefore: now,
      notAfter: new Date(now.getTime() + options.days * DAY_MS),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Issues a leaf certificate with a fresh key, signed by `ca`. */
export async function issueCertificate(ca: KeyPair, options: IssueOptions): Promise<KeyPair> {
  const now = options.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, webcrypto),
  ];
  if (options.sans) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...options.sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...options.sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: distinguishedName(options.subject),
      issuer: caCert.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + options.days * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm,
      extensions,
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Accepts PKCS#8 and SEC1 ("EC PRIVATE KEY") PEM alike, so a CA key made by other tools works too. */
async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ecdsa, false, ['sign']);
}

/** Structured rather than string names, so a comma or equals sign in a user name cannot forge an O. */
function distinguishedName(subject: CertificateSubject): x509.JsonName {
  const name: x509.JsonName = (subject.organizations ?? []).map((o) => ({ O: [o] }));
  name.push({ CN: [subject.commonName] });
  return name;
}

/** 128 random bits, top bit cleared so the DER INTEGER stays positive. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
