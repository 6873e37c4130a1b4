/**
 * A node's client certificate (CN `system:node:<name>`, O `system:nodes`), obtained the way
 * upstream's TLS bootstrap does it: the node makes its own key and a PKCS#10 certificate request
 * for that identity, the server checks the request (its signature proves the node holds the
 * key; its subject must be exactly a node identity) and signs it with the cluster CA. The
 * private key never leaves the node.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { isDNS1123Subdomain } from '../../api/validation/names.ts';
import { NODES_GROUP } from './node-authorizer.ts';

const webcrypto = globalThis.crypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdated, as the other leaf certificates, for nodes whose clock runs a little behind. */
const BACKDATE_MS = 60 * 60 * 1000;
const NODE_CERT_DAYS = 365;

/** A certificate request that is not a well-formed, self-consistent request for a node identity. */
export class NodeCertificateRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeCertificateRequestError';
  }
}

/** Makes a fresh key and a certificate request for node `nodeName`. Both PEM (the key as PKCS#8). */
export async function createNodeCertificateRequest(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: [{ O: [NODES_GROUP] }, { CN: [`system:node:${nodeName}`] }], keys, signingAlgorithm },
    webcrypto,
  );
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

/**
 * Checks `csrPem` and signs it with the CA: a client certificate valid for a year.
 * @returns the certificate (PEM) and the node it names
 * @throws NodeCertificateRequestError when the request is malformed, its signature is wrong, or
 *   its subject is not exactly `CN=system:node:<DNS subdomain>, O=system:nodes`
 */
export async function signNodeCertificateRequest(
  ca: { certPem: string; keyPem: string },
  csrPem: string,
  now = new Date(),
): Promise<{ certPem: string; nodeName: string }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new NodeCertificateRequestError('the body is not a PEM certificate request (PKCS#10)', { cause: err });
  }
  if (!(await csr.verify(webcrypto))) throw new NodeCertificateRequestError('the certificate request is not signed by its own key');
  const nodeName = nodeNameOfSubject(csr.subjectName);
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), ecdsa, false, ['sign']);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: [{ O: [NODES_GROUP] }, { CN: [`system:node:${nodeName}`] }],
      issuer: caCert.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + NODE_CERT_DAYS * DAY_MS),
      publicKey: csr.publicKey,
      signingKey: caKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem'), nodeName };
}

function nodeNameOfSubject(subject: x509.Name): string {
  const cn = subject.getField('CN');
  const o = subject.getField('O');
  const others = subject.toJSON().flatMap((rdn) => Object.keys(rdn)).filter((k) => k !== 'CN' && k !== 'O');
  const nodeName = cn.length === 1 && cn[0].startsWith('system:node:') ? cn[0].slice('system:node:'.length) : '';
  if (!nodeName || o.length !== 1 || o[0] !== NODES_GROUP || others.length) {
    throw new NodeCertificateRequestError(`the certificate request's subject must be exactly CN=system:node:<name>, O=${NODES_GROUP}; got "${subject.toString()}"`);
  }
  const problems = isDNS1123Subdomain(nodeName);
  if (problems.length) throw new NodeCertificateRequestError(`invalid node name "${nodeName}": ${problems.join('; ')}`);
  return nodeName;
}

/** 128 random bits, top bit cleared so the DER INTEGER stays positive. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
