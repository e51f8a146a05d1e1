// `check-trust`: would STS let this ServiceAccount assume the role? The role's
// trust policy is evaluated as IAM does against the call the pod's SDK makes
// (or EKS makes, with --pod-identity). With --service-accounts the
// ServiceAccount's own annotations are checked too: the role it names and the
// audience its token will carry.
//
// stdout: the verdict when allowed, or the corrected statement (JSON, to paste);
// stderr: one line per reason the call would fail.

import { errors as E, type Message } from '../errors.js';
import { annotationKeys } from '../engine/annotations.js';
import { displayName, readText } from '../io/text.js';
import { parseTrustPolicyText } from '../trust/document.js';
import { checkTrust, type CheckSubject } from '../trust/explain.js';
import { parseRoleArn, providerArnOf, type OidcProvider } from '../trust/provider.js';
import { stderrLine, type Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';
import { trustTarget } from './trust-flags.js';

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const v = args.values;
  const usage = (e: Message) => {
    io.err(stderrLine('check-trust', e.message));
    return 2;
  };
  const target = trustTarget(args, { wildcards: false });
  if (!target.ok) return usage(target.error);
  const t = target.value;
  const file = String(v['trust-policy'] ?? '');
  if (file === '') return usage(E.trustMissingFlag('--trust-policy FILE (aws iam get-role --role-name ROLE > FILE)'));
  const saFiles = (v['service-accounts'] as string[] | undefined) ?? [];
  if (t.mode === 'pod-identity' && saFiles.length > 0) {
    return usage(E.trustFlagConflict('pod-identity', 'service-accounts', 'EKS Pod Identity takes the role from its association, not from a ServiceAccount annotation'));
  }

  const bad = (e: Message) => {
    io.err(stderrLine('check-trust', e.message));
    return 1;
  };
  const text = await readText(file);
  if (!text.ok) return bad(text.error);
  const policy = parseTrustPolicyText(text.value, displayName(file));
  if (!policy.ok) return bad(policy.error);

  const problems: Message[] = [];
  const notes: string[] = [];
  let subject: CheckSubject = t.mode === 'irsa'
    ? { mode: 'irsa', provider: t.provider as OidcProvider, namespace: t.namespace, serviceAccount: t.serviceAccount, audience: t.audience }
    : { mode: 'pod-identity', namespace: t.namespace, serviceAccount: t.serviceAccount };

  if (saFiles.length > 0 && subject.mode === 'irsa') {
    const prefix = String(v['annotation-prefix']);
    // Lazily: the YAML parser behind it is only worth its start-up time when used.
    const { loadStaticStores } = await import('../identity/file-source.js');
    const stores = await loadStaticStores({ serviceAccountFiles: saFiles, annotationPrefix: prefix, watchConfigMap: false });
    if (!stores.ok) return bad(stores.error);
    const sa = (await stores.value.source.lookup(t.namespace, t.serviceAccount)).serviceAccount;
    if (!sa) return bad(E.trustServiceAccountNotFound(saFiles.map(displayName).join(', '), t.namespace, t.serviceAccount));
    const keys = annotationKeys(prefix);
    const provider: OidcProvider = subject.provider;

    // The webhook gives the token the ServiceAccount's audience when it names one.
    const audience = sa.annotations[keys.audience];
    if (audience !== undefined && audience !== '' && audience !== subject.audience) {
      notes.push(`the ServiceAccount's ${keys.audience} annotation sets the token's audience to "${audience}"; checking that${t.audienceGiven ? `, not --audience ${subject.audience}` : ''}`);
      subject = { ...subject, audience };
    }

    const roleArn = sa.annotations[keys.roleArn];
    if (roleArn === undefined || roleArn === '') {
      problems.push(E.trustNoRoleArn(t.namespace, t.serviceAccount, prefix, `arn:${provider.partition}:iam::${provider.account}:role/ROLE_NAME`));
    } else {
      const role = parseRoleArn(roleArn);
      if (!role.ok) {
        problems.push(E.trustRoleArnBad(t.namespace, t.serviceAccount, prefix, roleArn, role.error));
      } else if (role.value.account !== provider.account || role.value.partition !== provider.partition) {
        // STS looks the provider up in the role's account: the call can only
        // work with the provider there, so the policy is judged against it.
        const fixedArn = providerArnOf(role.value.partition, role.value.account, provider.issuerHostPath);
        problems.push(role.value.partition !== provider.partition
          ? E.trustProviderOtherPartition(roleArn, role.value.partition, provider.arn, fixedArn)
          : E.trustProviderOtherAccount(roleArn, role.value.account, provider.arn, provider.account, `https://${provider.issuerHostPath}`, subject.audience, fixedArn));
        subject = { ...subject, provider: { ...provider, arn: fixedArn, account: role.value.account, partition: role.value.partition } };
      }
    }
  }

  const verdict = checkTrust(policy.value, subject);
  for (const n of notes) io.err(stderrLine('check-trust', `note: ${n}`));
  if (verdict.allowed && problems.length === 0) {
    io.out(`${verdict.line.message}\n`);
    return 0;
  }
  for (const p of problems) io.err(stderrLine('check-trust', p.message));
  if (!verdict.allowed) io.err(stderrLine('check-trust', verdict.line.message));
  else io.err(stderrLine('check-trust', `the trust policy itself would let it in: ${verdict.line.message}`));
  if (verdict.corrected) io.out(`${JSON.stringify(verdict.corrected, null, 2)}\n`);
  return 1;
}
