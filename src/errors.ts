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

  // --- pods: what the engine cannot read (front doors add where the pod was) ---
  podNotObject: (): UserError => ({ code: 'E_POD', message: 'not a JSON object' }),
  podMetadataNotObject: (): UserError => ({ code: 'E_POD', message: 'metadata is not an object' }),
  podSpecMissing: (): UserError => ({ code: 'E_POD', message: 'spec is missing or not an object' }),
  podContainersMissing: (): UserError => ({ code: 'E_POD', message: 'spec.containers is missing' }),
  podListNotArray: (list: string): UserError => ({ code: 'E_POD', message: `spec.${list} is not an array` }),
  podContainerNotObject: (list: string, index: number): UserError => ({ code: 'E_POD',
    message: `spec.${list}[${index}] is not an object` }),
  podContainerNameNotString: (list: string, index: number): UserError => ({ code: 'E_POD',
    message: `spec.${list}[${index}].name is not a string` }),

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
