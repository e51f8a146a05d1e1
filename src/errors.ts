// The one catalogue of what users are told: every error and warning the
// webhook can produce, each with a stable code and a message an operator can
// act on. Front doors print `message`; tests and logs match on `code`.

export interface UserError {
  readonly code: string;
  readonly message: string;
}

export type Result<T, E = UserError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = (error: UserError): Result<never> => ({ ok: false, error });

/** Keep user-supplied values short inside messages (kubectl warnings must stay < 256 chars). */
export function clip(value: string, max = 60): string {
  const flat = value.replace(/[\r\n\t]/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export const errors = {
  // --- command line ---
  unknownCommand: (cmd: string): UserError => ({ code: 'E_UNKNOWN_COMMAND',
    message: `unknown command "${clip(cmd)}" (see pod-identity-webhook --help for the commands)` }),
  unknownFlag: (flag: string, cmd: string): UserError => ({ code: 'E_UNKNOWN_FLAG',
    message: `unknown flag ${clip(flag)} for "${cmd}" (see pod-identity-webhook ${cmd} --help)` }),
  flagNeedsValue: (flag: string): UserError => ({ code: 'E_FLAG_NEEDS_VALUE',
    message: `flag --${flag} needs a value` }),
  flagBadValue: (flag: string, value: string, expected: string): UserError => ({ code: 'E_FLAG_BAD_VALUE',
    message: `invalid value "${clip(value)}" for --${flag}: expected ${expected}` }),
  unexpectedArgument: (arg: string, cmd: string): UserError => ({ code: 'E_UNEXPECTED_ARGUMENT',
    message: `"${cmd}" takes no positional argument "${clip(arg)}"` }),
  mutateNeedsFile: (): UserError => ({ code: 'E_MUTATE_NEEDS_FILE',
    message: 'mutate needs -f FILE (use -f - for stdin)' }),
  composeNeedsAccount: (): UserError => ({ code: 'E_COMPOSE_NEEDS_ACCOUNT',
    message: '--compose-role-arn needs --aws-account-id (offline commands cannot read EC2 instance metadata)' }),

  // --- input files ---
  fileUnreadable: (file: string, reason: string): UserError => ({ code: 'E_FILE_UNREADABLE',
    message: `${file}: cannot read: ${reason}` }),
  fileNotParseable: (file: string, reason: string): UserError => ({ code: 'E_FILE_NOT_PARSEABLE',
    message: `${file}: not valid JSON or YAML: ${reason}` }),
  fileEmpty: (file: string): UserError => ({ code: 'E_FILE_EMPTY',
    message: `${file}: no document found` }),
  serviceAccountsBad: (file: string, reason: string): UserError => ({ code: 'E_SERVICE_ACCOUNTS_BAD',
    message: `${file}: not a ServiceAccount list: ${reason}` }),
  podIdentityBad: (file: string, reason: string): UserError => ({ code: 'E_POD_IDENTITY_FILE_BAD',
    message: `${file}: not an EKS Pod Identity file ({"identities":[{"namespace":..,"serviceAccount":..}]}): ${reason}` }),
  configMapBad: (where: string, reason: string): UserError => ({ code: 'E_CONFIG_MAP_BAD',
    message: `${where}: data.config is not a JSON map of "namespace/serviceAccount" to settings: ${reason}` }),

  // --- Kubernetes source ---
  kubeconfigBad: (file: string, reason: string): UserError => ({ code: 'E_KUBECONFIG_BAD',
    message: `--kubeconfig ${file}: not a usable kubeconfig: ${clip(reason, 160)}` }),
  kubeApiBad: (url: string, reason: string): UserError => ({ code: 'E_KUBE_API_BAD',
    message: `--kube-api "${clip(url, 120)}": ${reason} (expected a URL such as https://10.0.0.1:6443 or http://127.0.0.1:8001)` }),
  notInCluster: (reason: string): UserError => ({ code: 'E_NOT_IN_CLUSTER',
    message: `cannot use in-cluster Kubernetes access: ${reason}; outside a pod pass --kubeconfig FILE or --kube-api URL (or --service-accounts FILE for static mode)` }),
  kubeApiUnreachable: (what: string, server: string, reason: string): UserError => ({ code: 'E_KUBE_API_UNREACHABLE',
    message: `cannot ${what} at ${server}: ${clip(reason, 160)}; retrying (answers come from the cache meanwhile)` }),
  kubeApiRefused: (what: string, server: string, status: number, reason: string): UserError => ({ code: 'E_KUBE_API_REFUSED',
    message: `Kubernetes API at ${server} refused to ${what}: HTTP ${status} ${clip(reason, 160)}${status === 401 || status === 403 ? ' (check the credentials and the RBAC rules in docs/kubernetes.md)' : ''}; retrying` }),
  imdsUnreachable: (endpoint: string, reason: string): UserError => ({ code: 'E_IMDS_UNREACHABLE',
    message: `--compose-role-arn needs the AWS account ID, but EC2 instance metadata at ${endpoint} did not answer (${clip(reason, 120)}); pass --aws-account-id (and --aws-partition) instead` }),
  imdsBad: (endpoint: string, reason: string): UserError => ({ code: 'E_IMDS_BAD',
    message: `--compose-role-arn: EC2 instance metadata at ${endpoint} returned an unusable identity document (${clip(reason, 120)}); pass --aws-account-id (and --aws-partition) instead` }),
  webhookCaPatchFailed: (name: string, reason: string): UserError => ({ code: 'E_WEBHOOK_CA_PATCH',
    message: `cannot write the CA bundle into MutatingWebhookConfiguration "${clip(name)}": ${clip(reason, 160)}` }),

  // --- AdmissionReview ---
  reviewNotObject: (): UserError => ({ code: 'E_REVIEW_NOT_OBJECT',
    message: 'body is not a JSON object' }),
  reviewBadJson: (reason: string): UserError => ({ code: 'E_REVIEW_BAD_JSON',
    message: `body is not valid JSON: ${clip(reason, 120)}` }),
  reviewWrongKind: (apiVersion: unknown, kind: unknown): UserError => ({ code: 'E_REVIEW_WRONG_KIND',
    message: `not an AdmissionReview: apiVersion "${clip(String(apiVersion))}", kind "${clip(String(kind))}" (expected admission.k8s.io/v1 or v1beta1, AdmissionReview)` }),
  reviewNoRequest: (): UserError => ({ code: 'E_REVIEW_NO_REQUEST',
    message: 'AdmissionReview has no request' }),
  reviewNoUid: (): UserError => ({ code: 'E_REVIEW_NO_UID',
    message: 'AdmissionReview request has no uid' }),
  reviewBadPod: (reason: string): UserError => ({ code: 'E_REVIEW_BAD_POD',
    message: `request.object is not a readable Pod: ${reason}` }),

  // --- serve: HTTP answers (JSON error bodies) ---
  httpUnsupportedMediaType: (contentType: string): UserError => ({ code: 'E_HTTP_UNSUPPORTED_MEDIA_TYPE',
    message: `content type "${clip(contentType)}" is not supported; send application/json` }),
  httpBodyTooLarge: (limit: number): UserError => ({ code: 'E_HTTP_BODY_TOO_LARGE',
    message: `request body is larger than --max-request-bytes (${limit} bytes)` }),
  httpEmptyBody: (): UserError => ({ code: 'E_HTTP_EMPTY_BODY',
    message: 'request body is empty; send an AdmissionReview' }),
  httpMethodNotAllowed: (method: string, path: string): UserError => ({ code: 'E_HTTP_METHOD_NOT_ALLOWED',
    message: `method ${clip(method, 20)} is not allowed on ${clip(path)}` }),
  httpNotFound: (path: string): UserError => ({ code: 'E_HTTP_NOT_FOUND',
    message: `no such endpoint ${clip(path)}; the webhook serves POST /mutate, GET /healthz and GET /readyz` }),
  httpBadRequest: (reason: string): UserError => ({ code: 'E_HTTP_BAD_REQUEST',
    message: `bad request: ${clip(reason, 120)}` }),
  httpNotReady: (): UserError => ({ code: 'E_HTTP_NOT_READY',
    message: 'not ready: the ServiceAccount source has not synced yet' }),
  httpShuttingDown: (): UserError => ({ code: 'E_HTTP_SHUTTING_DOWN',
    message: 'shutting down' }),
  httpInternal: (): UserError => ({ code: 'E_HTTP_INTERNAL',
    message: 'internal error while handling the request (see the webhook log)' }),

  // --- serve: flags, certificates, listening ---
  tlsMinVersionBad: (value: string): UserError => ({ code: 'E_TLS_MIN_VERSION',
    message: `invalid --tls-min-version "${clip(value)}": expected 1.0, 1.1, 1.2, 1.3 or VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13` }),
  tlsCipherUnknown: (name: string): UserError => ({ code: 'E_TLS_CIPHER_UNKNOWN',
    message: `unknown cipher suite "${clip(name)}" in --tls-cipher-suites: use IANA/Go names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256)` }),
  tlsCipherNoneForVersion: (): UserError => ({ code: 'E_TLS_CIPHER_NONE',
    message: '--tls-cipher-suites lists only TLS 1.3 suites but --tls-min-version allows TLS 1.2 or lower; add a TLS 1.2 suite or use --tls-min-version=1.3' }),
  logLevelBad: (value: string): UserError => ({ code: 'E_LOG_LEVEL',
    message: `invalid --log-level "${clip(value)}": expected fatal, error, warn, info, debug, trace or silent` }),
  portBad: (flag: string, value: number): UserError => ({ code: 'E_PORT',
    message: `invalid --${flag} ${value}: expected 0 (any free port) to 65535` }),
  workersBad: (value: number): UserError => ({ code: 'E_WORKERS',
    message: `invalid --workers ${value}: expected 1 to 64` }),
  maxRequestBytesBad: (value: number): UserError => ({ code: 'E_MAX_REQUEST_BYTES',
    message: `invalid --max-request-bytes ${value}: expected a positive number of bytes` }),
  caBundleOutNeedsSelfSigned: (): UserError => ({ code: 'E_CA_BUNDLE_OUT_NEEDS_SELF_SIGNED',
    message: '--ca-bundle-out only applies with --self-signed (or --dev)' }),
  tlsPairUnreadable: (file: string, reason: string): UserError => ({ code: 'E_TLS_PAIR_UNREADABLE',
    message: `${file}: cannot read the serving certificate or key: ${reason} (use --tls-cert/--tls-key, or --self-signed)` }),
  tlsPairBad: (certFile: string, keyFile: string, reason: string): UserError => ({ code: 'E_TLS_PAIR_BAD',
    message: `${certFile} / ${keyFile}: not a usable certificate and key pair: ${clip(reason, 160)}` }),
  clientCaBad: (file: string, reason: string): UserError => ({ code: 'E_CLIENT_CA_BAD',
    message: `${file}: --client-ca-file is not a PEM CA certificate: ${clip(reason, 160)}` }),
  selfSignedFailed: (reason: string): UserError => ({ code: 'E_SELF_SIGNED',
    message: `cannot generate the self-signed certificate: ${clip(reason, 160)}` }),
  caBundleWriteFailed: (file: string, reason: string): UserError => ({ code: 'E_CA_BUNDLE_WRITE',
    message: `${file}: cannot write the CA bundle: ${clip(reason, 160)}` }),
  listenFailed: (what: string, port: number, reason: string): UserError => ({ code: 'E_LISTEN',
    message: `cannot listen on ${what} port ${port}: ${clip(reason, 120)}` }),

  // --- oidc: keys, issuer documents, token checks (oidc jwks / discovery / publish / verify-token) ---
  // Keys: each names the file and, when it holds several PEM blocks, which one.
  keyFileEmpty: (file: string): UserError => ({ code: 'E_KEY_FILE_EMPTY',
    message: `${file}: the file is empty; expected a PEM key such as /etc/kubernetes/pki/sa.pub (-----BEGIN PUBLIC KEY-----)` }),
  keyFileNoKey: (file: string): UserError => ({ code: 'E_KEY_FILE_NO_KEY',
    message: `${file}: no PEM key in this file; expected a -----BEGIN PUBLIC KEY----- (or RSA PUBLIC KEY, RSA PRIVATE KEY, PRIVATE KEY, EC PRIVATE KEY) block, as kube-apiserver's --service-account-key-file takes` }),
  keyPemUnterminated: (file: string, type: string, line: number): UserError => ({ code: 'E_KEY_PEM_UNTERMINATED',
    message: `${file}: the ${clip(type, 40)} block at line ${line} has no -----END ${clip(type, 40)}----- line (the file is cut off or was pasted incompletely)` }),
  keyOpenSshPublic: (file: string): UserError => ({ code: 'E_KEY_OPENSSH',
    message: `${file}: an OpenSSH public key, not PEM; convert it with: ssh-keygen -e -m PKCS8 -f ${file} > sa.pub` }),
  keyOpenSshPrivate: (file: string): UserError => ({ code: 'E_KEY_OPENSSH',
    message: `${file}: an OpenSSH private key, not PEM; write its public half as PEM with: ssh-keygen -e -m PKCS8 -f ${file} > sa.pub (for --service-account-signing-key-file, convert a copy to PEM: ssh-keygen -p -m PEM -f COPY)` }),
  keyTypeUnsupported: (file: string, what: string): UserError => ({ code: 'E_KEY_TYPE_UNSUPPORTED',
    message: `${file}: ${what}; kube-apiserver cannot sign service account tokens with it (only RSA of 2048 bits or more, or ECDSA P-256, P-384, P-521): make one with openssl genrsa -out sa.key 2048 && openssl rsa -in sa.key -pubout -out sa.pub` }),
  keyRsaTooSmall: (file: string, where: string, bits: number): UserError => ({ code: 'E_KEY_RSA_TOO_SMALL',
    message: `${file}: ${where} is a ${bits}-bit RSA key, below the 2048-bit minimum; make a new one with openssl genrsa -out sa.key 2048 && openssl rsa -in sa.key -pubout -out sa.pub` }),
  keyCertificate: (file: string, where: string): UserError => ({ code: 'E_KEY_CERTIFICATE',
    message: `${file}: ${where} is a certificate, not a key; give the key file itself, or extract the certificate's public key: openssl x509 -in ${file} -pubkey -noout > sa.pub` }),
  keyEncrypted: (file: string, where: string): UserError => ({ code: 'E_KEY_ENCRYPTED',
    message: `${file}: ${where} is an encrypted private key, which kube-apiserver cannot read either; give its public key instead: openssl pkey -in ${file} -pubout -out sa.pub (asks for the passphrase)` }),
  keyUnknownBlock: (file: string, where: string): UserError => ({ code: 'E_KEY_UNKNOWN_BLOCK',
    message: `${file}: ${where} is not a key type kube-apiserver reads (PUBLIC KEY, RSA PUBLIC KEY, RSA PRIVATE KEY, PRIVATE KEY, EC PRIVATE KEY)` }),
  keyBlockBad: (file: string, where: string, reason: string): UserError => ({ code: 'E_KEY_BLOCK_BAD',
    message: `${file}: ${where} does not decode as a key (${clip(reason, 100)}); is the file damaged or its label wrong?` }),

  // Flags of the oidc commands (exit 2: usage).
  oidcNeedsPublicKey: (cmd: string): UserError => ({ code: 'E_OIDC_NEEDS_PUBLIC_KEY',
    message: `${cmd} needs --public-key FILE: the API server's --service-account-key-file (kubeadm: /etc/kubernetes/pki/sa.pub); repeat it for several keys` }),
  oidcNeedsIssuer: (cmd: string): UserError => ({ code: 'E_OIDC_NEEDS_ISSUER',
    message: `${cmd} needs --issuer URL: the public HTTPS URL that is (or will be) kube-apiserver's --service-account-issuer, e.g. https://oidc.example.com/cluster-1` }),
  publishKeySource: (both: boolean): UserError => ({ code: 'E_PUBLISH_KEY_SOURCE',
    message: both ? 'oidc publish takes --public-key FILE... or --from-cluster, not both'
      : 'oidc publish needs the keys: --public-key FILE (repeatable; kubeadm: /etc/kubernetes/pki/sa.pub) or --from-cluster (read them from the API server)' }),
  publishNeedsOut: (): UserError => ({ code: 'E_PUBLISH_NEEDS_OUT',
    message: 'oidc publish needs --out DIR: the directory the files to upload are written to' }),
  verifyNeedsToken: (): UserError => ({ code: 'E_VERIFY_NEEDS_TOKEN',
    message: 'oidc verify-token needs TOKEN_FILE: a token such as `kubectl create token SA --audience sts.amazonaws.com` prints, or a pod\'s /var/run/secrets/eks.amazonaws.com/serviceaccount/token (- reads stdin)' }),
  issuerBad: (value: string, rule: string): UserError => ({ code: 'E_ISSUER_BAD',
    message: `invalid --issuer "${clip(value, 120)}": ${rule}` }),
  jwksUriBad: (value: string, rule: string): UserError => ({ code: 'E_JWKS_URI_BAD',
    message: `invalid --jwks-uri "${clip(value, 120)}": ${rule}` }),

  // oidc publish: --out and --from-cluster.
  publishWriteFailed: (path: string, reason: string, dir: string): UserError => ({ code: 'E_PUBLISH_WRITE',
    message: `${path}: cannot write: ${clip(reason, 120)}; nothing was changed in ${dir}` }),
  clusterAccessMissing: (): UserError => ({ code: 'E_CLUSTER_ACCESS_MISSING',
    message: '--from-cluster outside a pod needs --kubeconfig FILE (on a kubeadm control-plane node: /etc/kubernetes/admin.conf) or --kube-api URL; KUBERNETES_SERVICE_HOST is not set' }),
  clusterOidcUnreachable: (path: string, server: string, reason: string): UserError => ({ code: 'E_CLUSTER_OIDC_UNREACHABLE',
    message: `--from-cluster: cannot GET ${path} from the API server at ${server}: ${clip(reason, 160)}` }),
  clusterOidcRefused: (path: string, server: string, status: number, reason: string): UserError => ({ code: 'E_CLUSTER_OIDC_REFUSED',
    message: `--from-cluster: the API server at ${server} answered GET ${path} with HTTP ${status} ${clip(reason, 120)}${
      status === 401 || status === 403 ? ' (the credentials need the system:service-account-issuer-discovery ClusterRole, or use an admin kubeconfig)'
        : status === 404 ? ' (kube-apiserver serves it when --service-account-issuer is set; Kubernetes 1.21 or newer)' : ''}` }),
  clusterOidcBad: (path: string, server: string, reason: string): UserError => ({ code: 'E_CLUSTER_OIDC_BAD',
    message: `--from-cluster: GET ${path} from ${server} did not return what kube-apiserver serves: ${clip(reason, 160)}` }),
  clusterIssuerMismatch: (cluster: string, wanted: string): UserError => ({ code: 'E_CLUSTER_ISSUER_MISMATCH',
    message: `--from-cluster: the cluster's issuer is "${clip(cluster, 120)}", not --issuer "${clip(wanted, 120)}": its tokens carry iss "${clip(cluster, 120)}", which STS matches against the provider URL byte for byte; pass --issuer ${clip(cluster, 120)}, or make ${clip(wanted, 120)} kube-apiserver's first --service-account-issuer and run this again` }),

  // JWKS and discovery documents read back (verify-token --jwks, the issuer over HTTPS, the API server).
  jwksBad: (where: string, reason: string): UserError => ({ code: 'E_JWKS_BAD',
    message: `${where}: not a usable JWKS ({"keys":[...]}): ${clip(reason, 160)}` }),
  discoveryBad: (where: string, reason: string): UserError => ({ code: 'E_DISCOVERY_BAD',
    message: `${where}: not an OIDC discovery document: ${clip(reason, 160)}` }),
  caFileBad: (file: string, reason: string): UserError => ({ code: 'E_CA_FILE_BAD',
    message: `${file}: --ca-file is not a PEM CA certificate: ${clip(reason, 120)}` }),

  // oidc verify-token: the token file, then each check in the order STS makes them.
  tokenEmpty: (file: string): UserError => ({ code: 'E_TOKEN_EMPTY',
    message: `${file}: the file is empty; expected a service account token (a JWT: three base64url parts joined by dots)` }),
  tokenNotJwt: (file: string, reason: string): UserError => ({ code: 'E_TOKEN_NOT_JWT',
    message: `${file}: not a JWT (${reason}); expected a service account token such as \`kubectl create token SA --audience sts.amazonaws.com\` prints` }),
  tokenAlg: (alg: string): UserError => ({ code: 'E_TOKEN_ALG',
    message: `the token's header says alg "${clip(alg, 20)}"; STS verifies only RS256, RS384, RS512, ES256, ES384 and ES512 (STS: InvalidIdentityToken); is this a kube-apiserver service account token?` }),
  tokenNoKid: (): UserError => ({ code: 'E_TOKEN_NO_KID',
    message: 'the token\'s header has no kid; kube-apiserver always sets one, and STS needs it to pick the key (STS: InvalidIdentityToken); is this a kube-apiserver service account token?' }),
  tokenIssuer: (found: string, wanted: string): UserError => ({ code: 'E_TOKEN_ISSUER',
    message: `iss mismatch: the token's iss is "${clip(found, 120)}", --issuer is "${clip(wanted, 120)}"; they must be equal byte for byte (STS: InvalidIdentityToken "No OpenIDConnect provider found in your account for ${clip(found, 120)}"): set kube-apiserver's first --service-account-issuer to ${clip(wanted, 120)}, then get a new token` }),
  issuerFetchFailed: (url: string, reason: string): UserError => ({ code: 'E_ISSUER_FETCH',
    message: `cannot fetch ${clip(url, 160)}: ${clip(reason, 160)}; STS fetches it the same way (STS: InvalidIdentityToken "Couldn't retrieve verification key from your identity provider"): upload the files of oidc publish there, publicly readable over HTTPS` }),
  discoveryIssuerMismatch: (url: string, found: string, wanted: string): UserError => ({ code: 'E_DISCOVERY_ISSUER_MISMATCH',
    message: `${clip(url, 160)} says issuer "${clip(found, 120)}", not "${clip(wanted, 120)}": upload the discovery document made for this issuer (oidc publish --issuer ${clip(wanted, 120)})` }),
  tokenKidMissing: (kid: string, where: string, kids: readonly string[]): UserError => ({ code: 'E_TOKEN_KID_MISSING',
    message: `the token's kid "${clip(kid, 60)}" is not in the JWKS at ${clip(where, 160)} (it has ${kids.length === 0 ? 'no keys' : kids.map((k) => `"${clip(k, 60)}"`).join(', ')}): the API server signs with a key that is not published, e.g. after a key rotation; publish every key of --service-account-key-file (oidc publish) (STS: InvalidIdentityToken "Couldn't retrieve verification key from your identity provider")` }),
  tokenKeyUnusable: (kid: string, alg: string, reason: string): UserError => ({ code: 'E_TOKEN_KEY_UNUSABLE',
    message: `the JWKS key "${clip(kid, 60)}" cannot verify an ${clip(alg, 20)} signature (${clip(reason, 100)}); the published key and the signing key differ (STS: InvalidIdentityToken)` }),
  tokenSignature: (kid: string): UserError => ({ code: 'E_TOKEN_SIGNATURE',
    message: `bad signature: the token was not signed by the key published as kid "${clip(kid, 60)}" (STS: InvalidIdentityToken); was the token altered, or does --service-account-signing-key-file not match the published key?` }),
  tokenAudience: (found: readonly string[], wanted: string): UserError => ({ code: 'E_TOKEN_AUDIENCE',
    message: `aud mismatch: the token's aud is ${found.length === 0 ? 'empty' : found.map((a) => `"${clip(a, 60)}"`).join(', ')}, not "${clip(wanted, 60)}" (STS: InvalidIdentityToken "Incorrect token audience"): the projected token must request audience ${clip(wanted, 60)} (the webhook's --token-audience or the ServiceAccount's eks.amazonaws.com/audience annotation), and the IAM OIDC provider must list it as a client ID` }),
  tokenNoExp: (): UserError => ({ code: 'E_TOKEN_NO_EXP',
    message: 'the token has no exp claim; STS refuses tokens that never expire (STS: InvalidIdentityToken): use a projected token (kubectl create token, or the webhook\'s volume), not a legacy Secret token' }),
  tokenExpired: (exp: string, ago: string): UserError => ({ code: 'E_TOKEN_EXPIRED',
    message: `the token expired at ${exp} (${ago} ago) (STS: ExpiredTokenException "Token expired"): read a fresh one; the kubelet refreshes a pod's projected token, a copied token is not refreshed` }),
  tokenNotYetValid: (claim: string, at: string, ahead: string): UserError => ({ code: 'E_TOKEN_NOT_YET_VALID',
    message: `the token's ${claim} is ${at}, ${ahead} in the future (STS: InvalidIdentityToken): the clocks of the API server and of this machine disagree; fix NTP on the control plane` }),
  tokenClaimType: (claim: string): UserError => ({ code: 'E_TOKEN_CLAIM_TYPE',
    message: `the token's ${claim} claim is not ${claim === 'aud' ? 'a string or a list of strings' : claim === 'sub' || claim === 'iss' ? 'a string' : 'a number of seconds'} (STS: InvalidIdentityToken)` }),
  tokenSubject: (sub: string): UserError => ({ code: 'E_TOKEN_SUBJECT',
    message: `sub "${clip(sub, 100)}" is not system:serviceaccount:NAMESPACE:NAME, so a trust policy's :sub condition for a ServiceAccount cannot match it (STS: AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"); is this a ServiceAccount token?` }),
} as const;

export const warnings = {
  roleArnFormat: (arn: string): UserError => ({ code: 'W_ROLE_ARN_FORMAT',
    message: `pod-identity-webhook: role ARN "${clip(arn, 80)}" does not look like arn:aws:iam::<12-digit account>:role/<name>; injected anyway, but STS will reject it` }),
  tokenExpirationNotInteger: (source: string, value: string): UserError => ({ code: 'W_TOKEN_EXPIRATION_NOT_INTEGER',
    message: `pod-identity-webhook: ${source} annotation token-expiration "${clip(value)}" is not an integer number of seconds; ignored` }),
  tokenExpirationRaised: (requested: number): UserError => ({ code: 'W_TOKEN_EXPIRATION_RAISED',
    message: `pod-identity-webhook: token expiration ${requested}s is below the 600s minimum; using 600s` }),
  tokenExpirationLowered: (requested: number): UserError => ({ code: 'W_TOKEN_EXPIRATION_LOWERED',
    message: `pod-identity-webhook: token expiration ${clip(String(requested), 24)}s is above the API server's 2^32s maximum; using 4294967296s` }),
  skipUnknownContainer: (name: string): UserError => ({ code: 'W_SKIP_UNKNOWN_CONTAINER',
    message: `pod-identity-webhook: skip-containers names "${clip(name)}", which is not a container of this pod` }),
  mountPathInUse: (container: string, mountPath: string): UserError => ({ code: 'W_MOUNT_PATH_IN_USE',
    message: `pod-identity-webhook: container "${clip(container)}" already mounts something at ${clip(mountPath, 100)}; token volume not mounted there` }),
} as const;
