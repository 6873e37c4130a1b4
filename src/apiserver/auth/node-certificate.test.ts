import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { createCertificateAuthority, type KeyPair } from './certificates.ts';
import { createNodeCertificateRequest, NodeCertificateRequestError, signNodeCertificateRequest } from './node-certificate.ts';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A request with any subject, as an attacker could make one. */
async function requestFor(name: x509.JsonName): Promise<string> {
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg }, crypto)).toString('pem');
}

describe('node certificates', () => {
  let ca: KeyPair;
  before(async () => {
    ca = await createCertificateAuthority('test-ca', { days: 1 });
  });

  it('signs a node’s request for its own key, as a client certificate of the CA', async () => {
    const { csrPem, keyPem } = await createNodeCertificateRequest('worker-1');
    const { certPem, nodeName } = await signNodeCertificateRequest(ca, csrPem);
    assert.equal(nodeName, 'worker-1');
    const cert = new X509Certificate(certPem);
    assert.deepEqual(cert.subject.split('\n').sort(), ['CN=system:node:worker-1', 'O=system:nodes']);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(keyPem)));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  const refused: [string, x509.JsonName][] = [
    ['another group', [{ O: ['system:masters'] }, { CN: ['system:node:a'] }]],
    ['an extra group', [{ O: ['system:nodes'] }, { O: ['system:masters'] }, { CN: ['system:node:a'] }]],
    ['a user that is not a node', [{ O: ['system:nodes'] }, { CN: ['system:admin'] }]],
    ['an empty node name', [{ O: ['system:nodes'] }, { CN: ['system:node:'] }]],
    ['an invalid node name', [{ O: ['system:nodes'] }, { CN: ['system:node:Not_A_Name'] }]],
    ['extra subject fields', [{ O: ['system:nodes'] }, { OU: ['x'] }, { CN: ['system:node:a'] }]],
  ];
  for (const [what, name] of refused) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(signNodeCertificateRequest(ca, await requestFor(name)), NodeCertificateRequestError);
    });
  }

  it('refuses what is not a certificate request', async () => {
    await assert.rejects(signNodeCertificateRequest(ca, 'hello'), NodeCertificateRequestError);
  });
});
