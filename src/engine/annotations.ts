// The annotation names the engine reads, under the configured prefix. Built
// once per prefix: a key concatenated on every admission is a new string that
// V8 hashes before each lookup, which showed up on the server's profile.

export interface AnnotationKeys {
  /** ServiceAccount: the IAM role. */
  readonly roleArn: string;
  /** ServiceAccount: token audience. */
  readonly audience: string;
  /** ServiceAccount: "true"/"false" (strconv.ParseBool). */
  readonly stsRegionalEndpoints: string;
  /** Pod or ServiceAccount: token lifetime in seconds. */
  readonly tokenExpiration: string;
  /** Pod: comma-separated container names left alone. */
  readonly skipContainers: string;
  /** ServiceAccount: the role chained into with AssumeRole after the web-identity hop (issue 13). */
  readonly targetRoleArn: string;
  /** ServiceAccount: the ExternalId the chained AssumeRole passes. */
  readonly targetRoleExternalId: string;
  /** ServiceAccount: the session name (AWS_ROLE_SESSION_NAME, or role_session_name in a chain). */
  readonly roleSessionName: string;
  /** Pod, written by the engine only: the AWS config file text the token volume projects. */
  readonly awsConfig: string;
}

const byPrefix = new Map<string, AnnotationKeys>();

export function annotationKeys(prefix: string): AnnotationKeys {
  let keys = byPrefix.get(prefix);
  if (!keys) {
    keys = {
      roleArn: `${prefix}/role-arn`,
      audience: `${prefix}/audience`,
      stsRegionalEndpoints: `${prefix}/sts-regional-endpoints`,
      tokenExpiration: `${prefix}/token-expiration`,
      skipContainers: `${prefix}/skip-containers`,
      targetRoleArn: `${prefix}/target-role-arn`,
      targetRoleExternalId: `${prefix}/target-role-external-id`,
      roleSessionName: `${prefix}/role-session-name`,
      awsConfig: `${prefix}/aws-config`,
    };
    byPrefix.set(prefix, keys);
  }
  return keys;
}
