/**
 * Security of the API server: the cluster PKI (a CA made at first start, the serving and admin
 * certificates), the TLS listener's options, request authentication by client certificate or
 * bearer token, the admin kubeconfig, the cluster secret and node-join token files, and the
 * SelfSubjectReview answer (`kubectl auth whoami`).
 */
export { ensurePki, hostSans, issueClientCertificate, type Pki, type Sans, type EnsurePkiOptions, type CertificateSubject } from './pki.ts';
export { ensureTokens, caHash, parseJoinToken, type JoinToken } from './tokens.ts';
export { createAuthenticator, AUTHENTICATED_GROUP, type Authenticator, type AuthenticatorOptions, type UserInfo } from './authenticate.ts';
export { isPublicPath } from './public-paths.ts';
export { kubeconfigFor, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.ts';
export { serverTlsOptions } from './tls-server-options.ts';
export { selfSubjectReview } from './self-subject-review.ts';
