// What `oidc publish` tells the operator to do next, with their values filled
// in: upload, IAM provider, kube-apiserver flags, trust policy and a check.
// Pure text; the command prints it on stderr so that stdout stays the list of
// files written, for scripts.

export interface NextStepsInput {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Each file written (the discovery document, then the JWKS), as a path the user can type and the URL it must be served at. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly url: string }>;
  readonly kids: readonly string[];
  readonly jwksUnderIssuer: boolean;
  readonly fromCluster: boolean;
}

/** kubeadm's defaults: its key pair and the issuer it configures. */
export const KUBEADM = {
  publicKey: '/etc/kubernetes/pki/sa.pub',
  signingKey: '/etc/kubernetes/pki/sa.key',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  manifest: '/etc/kubernetes/manifests/kube-apiserver.yaml',
} as const;

export function nextSteps(i: NextStepsInput): string {
  const q = shellQuote;
  const width = Math.max(...i.files.map((f) => f.path.length));
  const lines: string[] = [
    `Wrote the OIDC issuer documents for ${i.issuer} (${i.kids.length === 1 ? 'key' : 'keys'} ${i.kids.join(', ')}):`,
    ...i.files.map((f) => `  ${f.path.padEnd(width)}  ->  ${f.url}`),
    '',
    'Next steps:',
    '',
    `1. Upload ${i.files.length === 2 ? 'both files' : 'the files'} where STS can read them anonymously over HTTPS, served as application/json:`,
  ];
  const s3 = i.files.map((f) => ({ ...f, s3: s3Location(f.url) }));
  if (s3.every((f) => f.s3)) {
    for (const f of s3) lines.push(`     aws s3 cp ${q(f.path)} ${q(`s3://${f.s3!.bucket}/${f.s3!.key}`)} --content-type application/json`);
    lines.push('   The bucket must let anyone s3:GetObject these keys (a bucket policy; or add --acl public-read where the bucket allows ACLs).');
  } else {
    lines.push('   Any static HTTPS host works (a web server, S3 behind CloudFront, ...): serve each file at its URL above with Content-Type: application/json.');
    lines.push('   From S3: aws s3 cp FILE s3://BUCKET/KEY --content-type application/json, with public s3:GetObject on those keys.');
  }
  if (!i.jwksUnderIssuer) {
    lines.push(`   The JWKS is not under the issuer: ${i.files[1]?.path ?? ''} goes to ${i.jwksUri}, on that host.`);
  }
  lines.push(`   Check from outside the cluster: ${i.files.map((f) => `curl -fsS ${q(f.url)}`).join(' && ')}`);
  lines.push(
    '',
    '2. Register the issuer with IAM, once in each AWS account that holds roles for this cluster:',
    `     aws iam create-open-id-connect-provider --url ${q(i.issuer)} --client-id-list sts.amazonaws.com`,
    '',
    `3. kube-apiserver flags (kubeadm: the command list in ${KUBEADM.manifest}; the kubelet restarts the API server when the file changes):`,
  );
  if (i.fromCluster) {
    lines.push(
      `     - --service-account-jwks-uri=${q(i.jwksUri)}`,
      `   This cluster already signs its tokens for ${i.issuer}: keep its other --service-account-* flags and --api-audiences as they are.`,
    );
  } else {
    lines.push(
      `     - --service-account-issuer=${q(i.issuer)}`,
      `     - --service-account-issuer=${KUBEADM.issuer}   # the previous issuer (kubeadm's), second: tokens already issued stay valid`,
      `     - --service-account-jwks-uri=${q(i.jwksUri)}`,
      `     - --service-account-key-file=${KUBEADM.publicKey}   # every published key must be in a key file (repeat the flag during a rotation)`,
      `     - --service-account-signing-key-file=${KUBEADM.signingKey}   # the private half of one of them`,
      `     - --api-audiences=${KUBEADM.issuer}   # the previous default audience, so in-cluster clients keep working; never sts.amazonaws.com`,
    );
  }
  lines.push(
    '',
    '4. Write each role\'s trust policy, then check a real token the way STS will:',
    `     pod-identity-webhook trust-policy --account ACCOUNT_ID --issuer ${q(i.issuer)} --namespace NAMESPACE --service-account NAME`,
    `     kubectl create token NAME -n NAMESPACE --audience sts.amazonaws.com > token && pod-identity-webhook oidc verify-token token --issuer ${q(i.issuer)}`,
    '   Step by step: docs/self-managed.md.',
    '',
  );
  return lines.join('\n');
}

/** Bucket and key of an S3 URL, virtual-hosted (bucket.s3.region.amazonaws.com/key) or path-style. */
export function s3Location(url: string): { bucket: string; key: string } | undefined {
  const u = new URL(url);
  const path = decodeURIComponent(u.pathname).replace(/^\//, '');
  const virtual = /^(.+)\.s3(?:\.dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(u.hostname);
  if (virtual) return { bucket: virtual[1] as string, key: path };
  if (/^s3(?:\.dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.test(u.hostname)) {
    const slash = path.indexOf('/');
    if (slash <= 0) return undefined;
    return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
  }
  return undefined;
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
