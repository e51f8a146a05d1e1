// The AWS config file of a chained pod (issue 13): a source profile that
// trades the projected token for the first role (AssumeRoleWithWebIdentity)
// and a target profile that assumes the second role with those credentials
// (AssumeRole). AWS_PROFILE names the target; every SDK resolves the chain.
//
// The text travels as a pod annotation that the token volume projects with a
// downwardAPI source, so no Secret or ConfigMap has to exist and the webhook
// stays free of side effects.

import { isObject } from '../util/json.js';

/** File name beside `token` in the token volume; the annotation's name, so one leads to the other. */
export const AWS_CONFIG_FILE_NAME = 'aws-config';
/** Named after what set them, and unlike any profile a user would write. */
export const SOURCE_PROFILE = 'irsa-source';
export const TARGET_PROFILE = 'irsa-target';

export interface AwsConfigInput {
  readonly serviceAccount: string;
  readonly roleArn: string;
  readonly tokenFile: string;
  readonly targetRoleArn: string;
  readonly externalId?: string;
  readonly roleSessionName?: string;
  readonly regionalSts: boolean;
  /** --aws-default-region, '' when unset. */
  readonly region: string;
}

/**
 * The AWS config file has no escaping: a line break in a value would start a
 * new key (another role_arn), and whitespace before # or ; starts a comment in
 * several SDKs' parsers. Values are checked before they get here; this makes
 * sure a malformed one that is "written anyway" can never change the file's shape.
 */
function iniValue(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, '?').replace(/\s(?=[#;])/g, '?').trim();
}

export function awsConfigText(input: AwsConfigInput): string {
  const line = (key: string, value: string | undefined): string[] => (value === undefined || value === '' ? [] : [`${key} = ${iniValue(value)}`]);
  return [
    `# pod-identity-webhook: chained roles for ServiceAccount ${iniValue(input.serviceAccount)}`,
    `[profile ${SOURCE_PROFILE}]`,
    ...line('web_identity_token_file', input.tokenFile),
    ...line('role_arn', input.roleArn),
    ...line('role_session_name', input.roleSessionName),
    ...(input.regionalSts ? ['sts_regional_endpoints = regional'] : []),
    ...line('region', input.region),
    '',
    `[profile ${TARGET_PROFILE}]`,
    ...line('role_arn', input.targetRoleArn),
    `source_profile = ${SOURCE_PROFILE}`,
    ...line('external_id', input.externalId),
    ...line('role_session_name', input.roleSessionName),
    '',
  ].join('\n');
}

/** The downwardAPI fieldPath that projects annotation `key` (the API server wants single quotes). */
export function annotationFieldPath(key: string): string {
  return `metadata.annotations['${key}']`;
}

/** The token volume's second source: the config annotation as the file beside the token. */
export function awsConfigSource(key: string): { downwardAPI: { items: Array<{ path: string; fieldRef: { apiVersion: string; fieldPath: string } }> } } {
  return { downwardAPI: { items: [{ path: AWS_CONFIG_FILE_NAME, fieldRef: { apiVersion: 'v1', fieldPath: annotationFieldPath(key) } }] } };
}

/**
 * Whether an existing volume writes `aws-config` from annotation `key`: then
 * the file is the annotation's text and nothing else (the API server refuses
 * two sources writing one path). Read structurally, not compared whole, since
 * the API server defaults fields (defaultMode, fieldRef.apiVersion) after the
 * first pass.
 */
export function projectsAwsConfig(volume: unknown, key: string): boolean {
  if (!isObject(volume) || !isObject(volume.projected) || !Array.isArray(volume.projected.sources)) return false;
  const fieldPath = annotationFieldPath(key);
  return volume.projected.sources.some((source) => isObject(source) && isObject(source.downwardAPI)
    && Array.isArray(source.downwardAPI.items)
    && source.downwardAPI.items.some((item) => isObject(item) && item.path === AWS_CONFIG_FILE_NAME
      && isObject(item.fieldRef) && item.fieldRef.fieldPath === fieldPath));
}

/** Bytes kube-apiserver counts for a pod's annotations: every key and value, in UTF-8. */
export function annotationsBytes(annotations: Readonly<Record<string, unknown>>, without?: string): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (k === without) continue;
    total += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  return total;
}
