/**
 * TLS settings for the API server's HTTPS listener. Client certificates are requested but not
 * required, so bearer-token clients can connect too; the authenticator then trusts a
 * certificate only when `socket.authorized` says it verified against the cluster CA.
 * ALPN offers only HTTP/1.1: Go clients such as kubectl prefer HTTP/2 when a server offers it,
 * and fall back to HTTP/1.1 cleanly when it does not.
 */
import type { TlsOptions } from 'node:tls';
import type { Pki } from './pki.ts';

/** Options for `https.createServer` / `tls.createServer`. */
export function serverTlsOptions(pki: Pki): TlsOptions {
  return {
    cert: pki.servingCertPem,
    key: pki.servingKeyPem,
    ca: [pki.caCertPem],
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    minVersion: 'TLSv1.2',
  };
}
