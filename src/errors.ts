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
    message: `unknown command "${clip(cmd)}"; expected serve, replay or mutate (see --help)` }),
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
} as const;

export const warnings = {
  roleArnFormat: (arn: string): UserError => ({ code: 'W_ROLE_ARN_FORMAT',
    message: `pod-identity-webhook: role ARN "${clip(arn, 120)}" does not look like arn:aws:iam::<12-digit account>:role/<name>; injected anyway, but STS will reject it` }),
  tokenExpirationNotInteger: (source: string, value: string): UserError => ({ code: 'W_TOKEN_EXPIRATION_NOT_INTEGER',
    message: `pod-identity-webhook: ${source} annotation token-expiration "${clip(value)}" is not an integer number of seconds; ignored` }),
  tokenExpirationRaised: (requested: number): UserError => ({ code: 'W_TOKEN_EXPIRATION_RAISED',
    message: `pod-identity-webhook: token expiration ${requested}s is below the 600s minimum; using 600s` }),
  skipUnknownContainer: (name: string): UserError => ({ code: 'W_SKIP_UNKNOWN_CONTAINER',
    message: `pod-identity-webhook: skip-containers names "${clip(name)}", which is not a container of this pod` }),
  mountPathInUse: (container: string, mountPath: string): UserError => ({ code: 'W_MOUNT_PATH_IN_USE',
    message: `pod-identity-webhook: container "${clip(container)}" already mounts something at ${clip(mountPath, 100)}; token volume not mounted there` }),
} as const;
