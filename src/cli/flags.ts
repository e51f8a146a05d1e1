// The one table of command-line flags. The parser, `--help` and the README's
// flag table are all generated from it, so they cannot drift apart.
//
// Names and defaults follow the upstream Go webhook (a Deployment's args must
// keep working); flags marked `since: 'new'` are ours. Injection defaults are
// the engine's (DEFAULT_ENGINE_CONFIG), defined once there.

import { DEFAULT_ENGINE_CONFIG as D } from '../engine/config.js';
import { DEFAULT_CONNECTION_LIMITS as L } from '../server/connection-limits.js';
import { formatGoDuration } from '../util/go-duration.js';

export type FlagType = 'string' | 'int' | 'bool' | 'duration' | 'stringArray';
/** The webhook's own commands, whose flags are upstream's contract. */
export type WebhookCommand = 'serve' | 'replay' | 'mutate';
/** The self-managed IRSA setup commands (OIDC issuer documents, trust policies). */
export type SetupCommand = 'oidc jwks' | 'oidc discovery' | 'oidc publish' | 'oidc verify-token' | 'trust-policy' | 'check-trust';
export type Command = WebhookCommand | SetupCommand;

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  /** Default as a user would type it (durations in Go form, e.g. "60s"). */
  readonly default: string | number | boolean | readonly string[];
  readonly help: string;
  readonly commands: readonly Command[];
  readonly group: FlagGroup;
  /** One-letter alias (`-f`, `-v`). */
  readonly short?: string;
  /** Accepted for compatibility with upstream Deployments; the value is not used. */
  readonly ignored?: string;
  readonly since?: 'new';
  /** Value placeholder for help output. */
  readonly metavar?: string;
}

export type FlagGroup = 'mutation' | 'pod-identity' | 'sources' | 'server' | 'tls' | 'kubernetes' | 'logging' | 'compat' | 'setup' | 'general';

export const GROUP_TITLES: Record<FlagGroup, string> = {
  mutation: 'Injection (IRSA)',
  'pod-identity': 'Injection (EKS Pod Identity / container credentials)',
  sources: 'Identity sources',
  server: 'Server',
  tls: 'TLS',
  kubernetes: 'Kubernetes',
  logging: 'Logging',
  compat: 'Accepted for upstream compatibility (no effect)',
  setup: 'IRSA setup',
  general: 'General',
};

export const WEBHOOK_COMMANDS: readonly WebhookCommand[] = ['serve', 'replay', 'mutate'];
const ALL: readonly Command[] = WEBHOOK_COMMANDS;
const SERVE: readonly Command[] = ['serve'];
const TRUST: readonly SetupCommand[] = ['trust-policy', 'check-trust'];
const CHECK_TRUST: readonly SetupCommand[] = ['check-trust'];
const OIDC_KEYS: readonly Command[] = ['oidc jwks', 'oidc discovery', 'oidc publish'];
const OIDC_ISSUER: readonly Command[] = ['oidc discovery', 'oidc publish', 'oidc verify-token'];
const SETUP: readonly SetupCommand[] = ['oidc jwks', 'oidc discovery', 'oidc publish', 'oidc verify-token', ...TRUST];
const EVERY: readonly Command[] = [...WEBHOOK_COMMANDS, ...SETUP];

export const FLAGS: readonly FlagSpec[] = [
  // --- injection (IRSA) ---
  { name: 'annotation-prefix', type: 'string', default: D.annotationPrefix, group: 'mutation', commands: ALL,
    help: 'Prefix of the ServiceAccount and pod annotations the webhook reads (role-arn, audience, token-expiration, ...).' },
  { name: 'token-audience', type: 'string', default: D.tokenAudience, group: 'mutation', commands: ALL,
    help: 'Default audience of the projected token; a ServiceAccount can override it with <prefix>/audience.' },
  { name: 'token-mount-path', type: 'string', default: D.tokenMountPath, group: 'mutation', commands: ALL,
    help: 'Directory where the IRSA token volume is mounted in each container.' },
  { name: 'token-expiration', type: 'int', default: D.tokenExpiration, group: 'mutation', commands: ALL, metavar: 'SECONDS',
    help: 'Default token lifetime in seconds; annotations can override it; anything below 600 becomes 600.' },
  { name: 'aws-default-region', type: 'string', default: D.awsDefaultRegion, group: 'mutation', commands: ALL, metavar: 'REGION',
    help: 'When set, AWS_DEFAULT_REGION and AWS_REGION are injected with this value (unless a container sets either).' },
  { name: 'sts-regional-endpoint', type: 'bool', default: D.stsRegionalEndpoint, group: 'mutation', commands: ALL,
    help: 'Inject AWS_STS_REGIONAL_ENDPOINTS=regional unless the ServiceAccount annotation <prefix>/sts-regional-endpoints says otherwise.' },
  { name: 'compose-role-arn', type: 'bool', default: false, group: 'mutation', commands: ALL,
    help: 'Treat a role-arn annotation without the "arn:" prefix as a role name and compose the full ARN from the account ID and partition.' },
  { name: 'aws-account-id', type: 'string', default: '', group: 'mutation', commands: ALL, since: 'new', metavar: 'ID',
    help: 'Account ID for --compose-role-arn (otherwise read from EC2 instance metadata).' },
  { name: 'aws-partition', type: 'string', default: '', group: 'mutation', commands: ALL, since: 'new', metavar: 'PARTITION',
    help: 'Partition for --compose-role-arn (otherwise derived from the region: aws, aws-cn, aws-us-gov, ...).' },

  // --- EKS Pod Identity ---
  { name: 'container-credentials-audience', type: 'string', default: D.containerCredentials.audience, group: 'pod-identity', commands: ALL,
    help: 'Audience of the EKS Pod Identity token.' },
  { name: 'container-credentials-full-uri', type: 'string', default: D.containerCredentials.fullUri, group: 'pod-identity', commands: ALL, metavar: 'URI',
    help: 'Value of AWS_CONTAINER_CREDENTIALS_FULL_URI (the EKS Pod Identity Agent endpoint).' },
  { name: 'container-credentials-token-volume-name', type: 'string', default: D.containerCredentials.volumeName, group: 'pod-identity', commands: ALL,
    help: 'Name of the EKS Pod Identity token volume.' },
  { name: 'container-credentials-token-path', type: 'string', default: D.containerCredentials.tokenPath, group: 'pod-identity', commands: ALL,
    help: 'File name of the EKS Pod Identity token inside its mount path.' },
  { name: 'container-credentials-token-mount-path', type: 'string', default: D.containerCredentials.mountPath, group: 'pod-identity', commands: ALL,
    help: 'Directory where the EKS Pod Identity token volume is mounted.' },

  // --- identity sources ---
  { name: 'service-accounts', type: 'stringArray', default: [], group: 'sources', commands: ALL, since: 'new', metavar: 'FILE',
    help: 'YAML/JSON file of ServiceAccounts (and optionally the pod-identity-webhook ConfigMap); repeatable. In serve, selects static mode (no Kubernetes API).' },
  { name: 'container-credentials-config', type: 'string', default: '', group: 'sources', commands: ALL, since: 'new', metavar: 'FILE',
    help: 'EKS Pod Identity file {"identities":[{"namespace":..,"serviceAccount":..}]}, read once.' },
  { name: 'watch-container-credentials-config', type: 'string', default: '', group: 'sources', commands: ALL, metavar: 'FILE',
    help: 'EKS Pod Identity file; serve reloads it when it changes (replay and mutate read it once).' },
  { name: 'watch-config-map', type: 'bool', default: false, group: 'sources', commands: ALL,
    help: 'Also take identities from the data.config key of the pod-identity-webhook ConfigMap in --namespace.' },
  { name: 'namespace', type: 'string', default: 'eks', group: 'sources', commands: ALL,
    help: 'Namespace the webhook runs in: where its ConfigMap lives and the namespace in its service DNS names.' },

  // --- server ---
  { name: 'port', type: 'int', default: 443, group: 'server', commands: SERVE,
    help: 'HTTPS port for /mutate, /healthz and /readyz.' },
  { name: 'metrics-port', type: 'int', default: 9999, group: 'server', commands: SERVE,
    help: 'Plain HTTP port for /metrics (and /debug/alpha/cache with --enable-debugging-handlers).' },
  { name: 'metrics-bind-address', type: 'string', default: '', group: 'server', commands: SERVE, since: 'new', metavar: 'IP',
    help: 'IP address the metrics port listens on; empty: every interface (127.0.0.1 with --dev). With --enable-debugging-handlers, pick one only scrapers reach.' },
  { name: 'max-request-bytes', type: 'int', default: 3 * 1024 * 1024, group: 'server', commands: ['serve', 'replay'], since: 'new', metavar: 'BYTES',
    help: 'Largest AdmissionReview body accepted; larger ones get HTTP 413 (replay refuses such a file with the same message).' },
  { name: 'shutdown-grace', type: 'duration', default: '10s', group: 'server', commands: SERVE, since: 'new',
    help: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish.' },
  { name: 'tls-handshake-timeout', type: 'duration', default: formatGoDuration(L.handshakeMs), group: 'server', commands: SERVE, since: 'new',
    help: 'How long a new connection may take to finish its TLS handshake (a client that sends nothing is closed after it).' },
  { name: 'read-header-timeout', type: 'duration', default: formatGoDuration(L.headerMs), group: 'server', commands: SERVE, since: 'new',
    help: 'How long a client may take to send a request\'s headers; then it gets 408 and the connection is closed.' },
  { name: 'read-timeout', type: 'duration', default: formatGoDuration(L.requestMs), group: 'server', commands: SERVE, since: 'new',
    help: 'How long a client may take to send a whole request, headers and body; then it gets 408 and the connection is closed.' },
  { name: 'idle-timeout', type: 'duration', default: formatGoDuration(L.idleMs), group: 'server', commands: SERVE, since: 'new',
    help: 'How long a keep-alive connection may sit idle between requests (above the API server\'s own 90s, so it closes first).' },
  { name: 'max-connections', type: 'int', default: L.maxConnections, group: 'server', commands: SERVE, since: 'new', metavar: 'N',
    help: 'Most HTTPS connections open at once; more are closed as they arrive.' },
  { name: 'enable-debugging-handlers', type: 'bool', default: false, group: 'server', commands: SERVE,
    help: 'Serve /debug/alpha/cache (the cached identity settings as JSON) on the metrics port.' },
  { name: 'workers', type: 'int', default: 1, group: 'server', commands: SERVE, since: 'new', metavar: 'N',
    help: 'Number of server processes sharing the port (node cluster); 1 runs in-process.' },
  { name: 'dev', type: 'bool', default: false, group: 'server', commands: SERVE, since: 'new',
    help: 'Developer default used by `npm start`: port 8443 on localhost, a generated certificate under .dev/, the example ServiceAccounts, and a ready-to-paste curl.' },

  // --- TLS ---
  { name: 'tls-cert', type: 'string', default: '/etc/webhook/certs/tls.crt', group: 'tls', commands: SERVE, metavar: 'FILE',
    help: 'Serving certificate (PEM); reloaded when it changes on disk.' },
  { name: 'tls-key', type: 'string', default: '/etc/webhook/certs/tls.key', group: 'tls', commands: SERVE, metavar: 'FILE',
    help: 'Private key of the serving certificate (PEM); reloaded with it.' },
  { name: 'tls-min-version', type: 'string', default: '1.2', group: 'tls', commands: SERVE, metavar: 'VERSION',
    help: 'Minimum TLS version: 1.0, 1.1, 1.2, 1.3 or VersionTLS10..VersionTLS13.' },
  { name: 'tls-cipher-suites', type: 'string', default: '', group: 'tls', commands: SERVE, metavar: 'LIST',
    help: 'Comma-separated cipher suites (IANA/Go names or OpenSSL names); empty means TLS 1.3 plus ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2.' },
  { name: 'client-ca-file', type: 'string', default: '', group: 'tls', commands: SERVE, since: 'new', metavar: 'FILE',
    help: 'Require client certificates signed by this CA (mutual TLS with the API server); reloaded when the file changes.' },
  { name: 'self-signed', type: 'bool', default: false, group: 'tls', commands: SERVE, since: 'new',
    help: 'Generate a CA and serving certificate for the service DNS names and renew them before expiry.' },
  { name: 'service-name', type: 'string', default: 'pod-identity-webhook', group: 'tls', commands: SERVE,
    help: 'Service name fronting the webhook (used for the self-signed certificate names).' },
  { name: 'ca-bundle-out', type: 'string', default: '', group: 'tls', commands: SERVE, since: 'new', metavar: 'FILE',
    help: 'With --self-signed, write the CA bundle (PEM) to this file.' },
  { name: 'webhook-config-name', type: 'string', default: 'pod-identity-webhook', group: 'tls', commands: SERVE, since: 'new', metavar: 'NAME',
    help: 'With --self-signed and Kubernetes access, the MutatingWebhookConfiguration whose caBundle is patched.' },

  // --- Kubernetes ---
  { name: 'kubeconfig', type: 'string', default: '', group: 'kubernetes', commands: ['serve', 'oidc publish'], metavar: 'FILE',
    help: '(out-of-cluster) Path to a kubeconfig file.' },
  { name: 'kube-api', type: 'string', default: '', group: 'kubernetes', commands: ['serve', 'oidc publish'], metavar: 'URL',
    help: '(out-of-cluster) URL of the API server.' },
  { name: 'resync-period', type: 'duration', default: '60s', group: 'kubernetes', commands: SERVE,
    help: 'How often the ServiceAccount cache is re-listed and reconciled.' },
  { name: 'service-account-lookup-grace-period', type: 'duration', default: '0s', group: 'kubernetes', commands: SERVE,
    help: 'On a cache miss, wait up to this long for the ServiceAccount (watch or a direct GET) before giving up.' },

  // --- logging ---
  { name: 'log-level', type: 'string', default: 'info', group: 'logging', commands: SERVE, since: 'new', metavar: 'LEVEL',
    help: 'pino level: fatal, error, warn, info, debug, trace. -v/--v=N maps onto it (>=4 debug, >=6 trace).' },
  { name: 'v', type: 'int', default: 0, group: 'logging', commands: ALL, short: 'v', metavar: 'N',
    help: 'klog verbosity, as upstream; mapped onto --log-level when given.' },

  // --- upstream flags accepted for compatibility ---
  { name: 'in-cluster', type: 'bool', default: true, group: 'compat', commands: ALL, ignored: 'certificates come from --tls-cert/--tls-key or --self-signed',
    help: 'Upstream: use in-cluster authentication and the certificate request API.' },
  { name: 'tls-secret', type: 'string', default: 'pod-identity-webhook', group: 'compat', commands: ALL, ignored: 'certificates come from --tls-cert/--tls-key or --self-signed',
    help: 'Upstream: secret holding the serving certificate.' },
  ...['logtostderr', 'alsologtostderr', 'add_dir_header', 'one_output', 'skip_headers', 'skip_log_headers'].map((name): FlagSpec => (
    { name, type: 'bool', default: name === 'logtostderr', group: 'compat', commands: ALL, ignored: 'logs are pino JSON on stdout', help: 'klog flag.' })),
  ...['log_dir', 'log_file', 'log_backtrace_at', 'vmodule', 'stderrthreshold', 'log_file_max_size'].map((name): FlagSpec => (
    { name, type: 'string', default: '', group: 'compat', commands: ALL, ignored: 'logs are pino JSON on stdout', help: 'klog flag.' })),

  // --- IRSA setup: OIDC issuer documents and token checks ---
  { name: 'public-key', type: 'stringArray', default: [], group: 'setup', commands: OIDC_KEYS, since: 'new', metavar: 'FILE',
    help: 'PEM file with the service account key(s), as kube-apiserver\'s --service-account-key-file takes it (public or private keys; only the public half is used); repeatable.' },
  { name: 'jwks-uri', type: 'string', default: '', group: 'setup', commands: ['oidc discovery', 'oidc publish'], since: 'new', metavar: 'URL',
    help: 'Public URL of the JWKS (default: the issuer + /openid/v1/jwks); give kube-apiserver the same --service-account-jwks-uri.' },
  { name: 'out', type: 'string', default: '', group: 'setup', commands: ['oidc publish'], since: 'new', metavar: 'DIR',
    help: 'Directory to write .well-known/openid-configuration and the JWKS to, laid out as under the issuer URL; files appear complete or not at all.' },
  { name: 'from-cluster', type: 'bool', default: false, group: 'setup', commands: ['oidc publish'], since: 'new',
    help: 'Take the keys from the API server\'s /openid/v1/jwks (in-cluster, or --kubeconfig / --kube-api) instead of --public-key; refused if its issuer is not --issuer.' },
  { name: 'jwks', type: 'string', default: '', group: 'setup', commands: ['oidc verify-token'], since: 'new', metavar: 'FILE',
    help: 'Check against this JWKS file instead of fetching the discovery document and the JWKS from the issuer over HTTPS.' },
  { name: 'ca-file', type: 'string', default: '', group: 'setup', commands: ['oidc verify-token'], since: 'new', metavar: 'FILE',
    help: 'Also trust this CA (PEM) when fetching from the issuer, besides the system CAs.' },

  // --- IRSA setup: flags the OIDC and trust commands share ---
  { name: 'issuer', type: 'string', default: '', group: 'setup', commands: [...OIDC_ISSUER, ...TRUST], since: 'new', metavar: 'URL',
    help: 'The cluster\'s public issuer, equal to kube-apiserver\'s --service-account-issuer (and the tokens\' iss): https://, no port, query, fragment or trailing slash.' },
  { name: 'audience', type: 'string', default: 'sts.amazonaws.com', group: 'setup', commands: ['oidc verify-token', ...TRUST], since: 'new', metavar: 'AUD',
    help: 'Audience of the token, a client ID of the IAM OIDC provider; check-trust takes the ServiceAccount\'s audience annotation when --service-accounts has one.' },

  // --- IRSA setup: trust policies (their --namespace is the ServiceAccount's, not the webhook's) ---
  { name: 'oidc-provider-arn', type: 'string', default: '', group: 'setup', commands: TRUST, since: 'new', metavar: 'ARN',
    help: 'IAM OIDC provider of the cluster, arn:<partition>:iam::<account>:oidc-provider/<issuer without https://> (or give --account and --issuer).' },
  { name: 'account', type: 'string', default: '', group: 'setup', commands: TRUST, since: 'new', metavar: 'ID',
    help: 'With --issuer: the 12-digit account of the IAM OIDC provider, which must be the role\'s account.' },
  { name: 'partition', type: 'string', default: 'aws', group: 'setup', commands: TRUST, since: 'new', metavar: 'PARTITION',
    help: 'With --account and --issuer: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f or aws-eusc.' },
  { name: 'namespace', type: 'string', default: '', group: 'setup', commands: TRUST, since: 'new', metavar: 'NS',
    help: 'Namespace of the ServiceAccount (trust-policy accepts * and ?, which make the sub condition StringLike).' },
  { name: 'service-account', type: 'string', default: '', group: 'setup', commands: TRUST, since: 'new', metavar: 'NAME',
    help: 'Name of the ServiceAccount (trust-policy accepts * and ?, which make the sub condition StringLike).' },
  { name: 'pod-identity', type: 'bool', default: false, group: 'setup', commands: TRUST, since: 'new',
    help: 'EKS Pod Identity instead of IRSA: the service principal pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession, session tags for the ServiceAccount.' },
  { name: 'trust-policy', type: 'string', default: '', group: 'setup', commands: CHECK_TRUST, since: 'new', metavar: 'FILE',
    help: 'The role\'s trust policy: aws iam get-role output, or its Role.AssumeRolePolicyDocument, plain or URL-encoded JSON; - is stdin.' },
  { name: 'service-accounts', type: 'stringArray', default: [], group: 'setup', commands: CHECK_TRUST, since: 'new', metavar: 'FILE',
    help: 'YAML/JSON ServiceAccounts (as replay reads them); repeatable. The ServiceAccount\'s role-arn annotation is checked too: present, and in the provider\'s account.' },
  { name: 'annotation-prefix', type: 'string', default: 'eks.amazonaws.com', group: 'setup', commands: CHECK_TRUST,
    help: 'Prefix of the ServiceAccount annotations read from --service-accounts (role-arn, audience).' },

  // --- general ---
  { name: 'file', type: 'stringArray', default: [], group: 'general', commands: ['mutate'], short: 'f', metavar: 'FILE',
    help: 'Manifest file to mutate (YAML or JSON, multi-document); - is stdin; repeatable.' },
  { name: 'pod-namespace', type: 'string', default: '', group: 'general', commands: ['mutate'], short: 'n', since: 'new', metavar: 'NS',
    help: 'Namespace of the objects (and ServiceAccounts) in the input that have none, as helm template and kubectl kustomize print them (default "default"); --namespace stays the webhook\'s own.' },
  { name: 'explain', type: 'bool', default: false, group: 'general', commands: ['mutate'], since: 'new',
    help: 'Print, per pod template, what was injected into which container or why nothing was, instead of the manifests.' },
  { name: 'version', type: 'bool', default: false, group: 'general', commands: EVERY,
    help: 'Print the version and exit.' },
  { name: 'help', type: 'bool', default: false, group: 'general', commands: EVERY, short: 'h',
    help: 'Show help for the command.' },
];

export interface CommandSpec {
  readonly name: Command;
  readonly usage: string;
  readonly summary: string;
  /** Where the command's exit codes differ from EXIT_CODES (e.g. check-trust's 1 = "would be refused"). */
  readonly exitNote?: string;
}

/** Every command's exit codes, in --help and the README. */
export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'success'],
  [1, 'bad input (a file, a document, a key) or a failed check; one line on stderr names it'],
  [2, 'usage error: unknown command or flag, bad flag value'],
  [70, 'internal error (a bug: please report it with PIW_DEBUG=1 output)'],
];

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'serve', usage: 'pod-identity-webhook serve [flags]',
    summary: 'Run the mutating admission webhook over HTTPS (static files or the Kubernetes API as the identity source).' },
  { name: 'replay', usage: 'pod-identity-webhook replay [flags] [FILE...]',
    summary: 'Answer AdmissionReview files (JSON or YAML; none or - is stdin) offline, one JSON response per line.' },
  { name: 'mutate', usage: 'pod-identity-webhook mutate [flags] -f FILE',
    summary: 'Print manifests with every pod template mutated as the webhook would (or --explain why not).' },
  { name: 'oidc jwks', usage: 'pod-identity-webhook oidc jwks --public-key FILE [--public-key FILE ...]',
    summary: 'Print the JWKS of the service account keys, each kid as kube-apiserver computes it.' },
  { name: 'oidc discovery', usage: 'pod-identity-webhook oidc discovery --issuer URL [--jwks-uri URL] --public-key FILE ...',
    summary: 'Print the OIDC discovery document for the issuer.' },
  { name: 'oidc publish', usage: 'pod-identity-webhook oidc publish --issuer URL (--public-key FILE ... | --from-cluster) --out DIR [--jwks-uri URL]',
    summary: 'Write the discovery document and the JWKS under DIR, ready to upload; the paths written go to stdout, the next steps to stderr.' },
  { name: 'oidc verify-token', usage: 'pod-identity-webhook oidc verify-token TOKEN_FILE --issuer URL [--jwks FILE] [--audience A] [--ca-file FILE]',
    summary: 'Check a service account token as STS does: issuer, key by kid, signature, audience, expiry, subject.',
    exitNote: '1 is also a token STS would refuse: the line names the first failed check and the STS error it causes' },
  { name: 'trust-policy', usage: 'pod-identity-webhook trust-policy --namespace NS --service-account SA [flags]',
    summary: 'Print the IAM trust policy that lets exactly that ServiceAccount assume a role: IRSA through the OIDC provider (--oidc-provider-arn, or --account and --issuer), or --pod-identity.' },
  { name: 'check-trust', usage: 'pod-identity-webhook check-trust --trust-policy FILE --namespace NS --service-account SA [flags]',
    summary: 'Say whether a role\'s trust policy lets that ServiceAccount assume the role, deciding as IAM does; if not, why, and a corrected statement.',
    exitNote: '1 from check-trust also means STS would refuse the call, or check-trust cannot tell: the reason is on stderr, a corrected statement (when there is one) on stdout' },
];

export function flagsFor(command: Command): FlagSpec[] {
  return FLAGS.filter((f) => f.commands.includes(command));
}

/** The command group a first word opens ("oidc" → its subcommands), if any. */
export function commandGroup(word: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}

/** Upstream's klog flags are spelled with underscores; accept dashes too. */
export function canonicalFlagName(name: string): string {
  const direct = FLAGS.find((f) => f.name === name);
  if (direct) return direct.name;
  const swapped = FLAGS.find((f) => f.name === name.replace(/-/g, '_') || f.name === name.replace(/_/g, '-'));
  return swapped ? swapped.name : name;
}
