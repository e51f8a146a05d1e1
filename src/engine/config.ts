// The engine's view of the flags: plain data, no parsing here.

export interface ContainerCredentialsConfig {
  readonly audience: string;
  readonly fullUri: string;
  readonly volumeName: string;
  readonly tokenPath: string;
  readonly mountPath: string;
}

export interface EngineConfig {
  readonly annotationPrefix: string;
  readonly tokenAudience: string;
  readonly tokenMountPath: string;
  /** IRSA volume name and file name are fixed upstream. */
  readonly tokenVolumeName: string;
  readonly tokenPath: string;
  readonly tokenExpiration: number;
  readonly awsDefaultRegion: string;
  readonly stsRegionalEndpoint: boolean;
  /** Set when --compose-role-arn is on and the account/partition are known. */
  readonly composeRoleArn?: { readonly accountId: string; readonly partition: string };
  readonly containerCredentials: ContainerCredentialsConfig;
}

export const DEFAULT_TOKEN_EXPIRATION = 86400;

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  annotationPrefix: 'eks.amazonaws.com',
  tokenAudience: 'sts.amazonaws.com',
  tokenMountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  tokenVolumeName: 'aws-iam-token',
  tokenPath: 'token',
  tokenExpiration: DEFAULT_TOKEN_EXPIRATION,
  awsDefaultRegion: '',
  stsRegionalEndpoint: false,
  containerCredentials: {
    audience: 'pods.eks.amazonaws.com',
    fullUri: 'http://169.254.170.23/v1/credentials',
    volumeName: 'eks-pod-identity-token',
    tokenPath: 'eks-pod-identity-token',
    mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  },
};

/** Where a pod or object without a namespace lands, and the ServiceAccount a pod without one uses. */
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/**
 * A pod with more containers than this is admitted unchanged (with a warning):
 * each mutated container adds about 1 KB to the answer, so one pod with 100,000
 * containers in a 2 MB request made a 62 MB answer and half a GB of memory.
 * No real pod comes near: kube-apiserver itself caps the request at 3 MiB and
 * the stored object at 1.5 MiB, and kubelets run pods of tens of containers.
 */
export const MAX_CONTAINERS = 500;
/** Warnings per answer: kubectl prints each one; more than this is noise (the rest are counted). */
export const MAX_WARNINGS = 5;

export const MIN_TOKEN_EXPIRATION = 600;
/** kube-apiserver refuses a projected token with expirationSeconds above 2^32. */
export const MAX_TOKEN_EXPIRATION = 2 ** 32;
/** Pod Identity tokens at the default lifetime are spread over [22h, 24h] so a fleet does not refresh at once. */
export const POD_IDENTITY_JITTER_MIN = 79200;
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';
/** kube-apiserver's limit on the sum of a pod's annotation keys and values (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** A config value that would make every mutated pod invalid for the API server. */
export interface ConfigProblem {
  readonly field: 'annotationPrefix' | 'tokenMountPath' | 'containerCredentials.mountPath'
    | 'containerCredentials.volumeName' | 'containerCredentials.tokenPath' | 'containerCredentials.fullUri';
  readonly value: string;
  readonly expected: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The pod-validity rules for the configuration: the API server would reject
 * every pod the engine mutated with such a value (a relative mount path, a
 * volume name that is not a DNS label, a token path with ..), and the user
 * would see their pod refused, not the webhook's flag.
 */
export function checkEngineConfig(config: EngineConfig): ConfigProblem | undefined {
  const cc = config.containerCredentials;
  if (config.annotationPrefix === '') return { field: 'annotationPrefix', value: '', expected: 'a non-empty annotation prefix' };
  // The engine writes <prefix>/aws-config on chained pods; the API server checks an annotation
  // key's prefix, lowercased, as a DNS subdomain (so no ServiceAccount could carry another one).
  const prefix = config.annotationPrefix.toLowerCase();
  if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
    return { field: 'annotationPrefix', value: config.annotationPrefix, expected: 'a DNS subdomain such as eks.amazonaws.com (letters, digits, - and ., at most 253)' };
  }
  if (!config.tokenMountPath.startsWith('/')) return { field: 'tokenMountPath', value: config.tokenMountPath, expected: 'an absolute path' };
  if (!cc.mountPath.startsWith('/')) return { field: 'containerCredentials.mountPath', value: cc.mountPath, expected: 'an absolute path' };
  if (!DNS1123_LABEL.test(cc.volumeName)) {
    return { field: 'containerCredentials.volumeName', value: cc.volumeName, expected: 'a volume name (lowercase letters, digits and -, at most 63)' };
  }
  if (cc.tokenPath === '' || cc.tokenPath.startsWith('/') || cc.tokenPath.split('/').includes('..')) {
    return { field: 'containerCredentials.tokenPath', value: cc.tokenPath, expected: 'a relative file name without ..' };
  }
  try {
    new URL(cc.fullUri);
  } catch {
    return { field: 'containerCredentials.fullUri', value: cc.fullUri, expected: 'an absolute URL such as http://169.254.170.23/v1/credentials' };
  }
  return undefined;
}
