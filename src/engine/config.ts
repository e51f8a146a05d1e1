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

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  annotationPrefix: 'eks.amazonaws.com',
  tokenAudience: 'sts.amazonaws.com',
  tokenMountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  tokenVolumeName: 'aws-iam-token',
  tokenPath: 'token',
  tokenExpiration: 86400,
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

export const MIN_TOKEN_EXPIRATION = 600;
/** kube-apiserver refuses a projected token with expirationSeconds above 2^32. */
export const MAX_TOKEN_EXPIRATION = 2 ** 32;
export const DEFAULT_TOKEN_EXPIRATION = 86400;
/** Pod Identity tokens at the default lifetime are spread over [22h, 24h] so a fleet does not refresh at once. */
export const POD_IDENTITY_JITTER_MIN = 79200;
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';
