// A refusal turned into what the user needs: one line saying why STS would
// refuse (the value the policy expects beside the one the call carries), and a
// corrected statement to paste. The correction keeps the user's statement
// (its Sid, its other conditions) and changes only what fails; it is checked
// with the evaluator before it is offered, and when the repair does not pass
// the statement trust-policy generates is offered instead.

import { errors as E, type Message } from '../errors.js';
import { isObject, type Json, type JsonObject } from '../util/json.js';
import { parseTrustPolicy, type ConditionEntry, type ParsedOperator, type Statement, type TrustPolicy } from './document.js';
import { evaluate, evaluateStatement, globMatch, type ConditionVerdict, type TrustVerdict, type StatementVerdict, type TrustRequest } from './evaluate.js';
import { hasWildcard, podIdentityStatement, webIdentityStatement } from './policy.js';
import { parseProviderArn, type OidcProvider } from './provider.js';
import {
  POD_IDENTITY_ACTIONS, POD_IDENTITY_SERVICE, WEB_IDENTITY_ACTION, podIdentityRequests, serviceAccountSubject, webIdentityRequest,
} from './request.js';

export type CheckSubject =
  | { readonly mode: 'irsa'; readonly provider: OidcProvider; readonly namespace: string; readonly serviceAccount: string; readonly audience: string }
  | { readonly mode: 'pod-identity'; readonly namespace: string; readonly serviceAccount: string };

export interface TrustCheck {
  readonly allowed: boolean;
  /** "allowed by statement N (Sid …)", or the reason for the refusal. */
  readonly line: Message;
  /** A statement that lets the call through (absent when allowed or when check-trust cannot tell). */
  readonly corrected?: JsonObject;
}

export function requestsFor(subject: CheckSubject): TrustRequest[] {
  return subject.mode === 'irsa' ? [webIdentityRequest(subject)] : podIdentityRequests(subject);
}

/** The statement trust-policy prints for the subject. */
export function generatedStatement(subject: CheckSubject, sid?: string): JsonObject {
  return subject.mode === 'irsa'
    ? webIdentityStatement(subject.provider, subject, subject.audience, sid)
    : podIdentityStatement(subject, sid);
}

export function checkTrust(policy: TrustPolicy, subject: CheckSubject): TrustCheck {
  const decisions = requestsFor(subject).map((r) => evaluate(policy, r));
  if (decisions.every((d) => d.outcome === 'allowed')) return { allowed: true, line: allowedLine(decisions, subject) };
  // A certain refusal is worth more than an undecided one: report it first.
  const pick = (o: TrustVerdict['outcome']) => decisions.find((d) => d.outcome === o);
  const deny = pick('explicit-deny');
  if (deny) return explainDeny(policy, deny, subject);
  const implicit = pick('implicit-deny');
  if (implicit) return explainImplicit(policy, implicit, subject);
  return explainUnknown(pick('unknown') as TrustVerdict);
}

export function where(s: Statement): string {
  return `${s.effect === 'Deny' ? 'Deny ' : ''}statement ${s.index} (${s.sid ? `Sid ${s.sid}` : 'no Sid'})`;
}

const quote = (s: string) => `"${s.length > 100 ? `${s.slice(0, 99)}…` : s}"`;

function allowedLine(decisions: readonly TrustVerdict[], subject: CheckSubject): Message {
  const by = decisions.map((d) => (d.by as StatementVerdict).statement);
  const same = by.every((s) => s.index === by[0]?.index);
  const byText = same ? where(by[0] as Statement) : decisions.map((d, i) => `${where(by[i] as Statement)} for ${d.request.action}`).join(' and ');
  if (subject.mode === 'irsa') {
    return E.trustAllowed(byText, subject.provider.arn, WEB_IDENTITY_ACTION,
      ` with sub ${quote(serviceAccountSubject(subject.namespace, subject.serviceAccount))} and aud ${quote(subject.audience)}`);
  }
  return E.trustAllowed(byText, `${POD_IDENTITY_SERVICE} (EKS Pod Identity)`, POD_IDENTITY_ACTIONS.join(' and '),
    ` for sessions tagged kubernetes-namespace=${subject.namespace}, kubernetes-service-account=${subject.serviceAccount}`);
}

// --- implicit deny: no Allow matches ---

function explainImplicit(policy: TrustPolicy, decision: TrustVerdict, subject: CheckSubject): TrustCheck {
  const allows = decision.verdicts.filter((v) => v.statement.effect === 'Allow');
  if (allows.length === 0) return { allowed: false, line: E.trustNoAllow(), corrected: generatedStatement(subject) };
  const nearest = nearestAllow(allows);
  return { allowed: false, line: reason(nearest, subject, decision.request), corrected: repair(policy, nearest.statement, subject) };
}

/** The Allow closest to letting the call through: right principal, then right action, then fewest failing conditions. */
function nearestAllow(allows: readonly StatementVerdict[]): StatementVerdict {
  const score = (v: StatementVerdict) => (v.principal ? 1000 : 0) + (v.action ? 500 : 0) - v.conditions.filter((c) => c.result === false).length;
  return allows.reduce((best, v) => (score(v) > score(best) ? v : best));
}

function reason(v: StatementVerdict, subject: CheckSubject, request: TrustRequest): Message {
  const w = where(v.statement);
  if (!v.principal) return principalReason(v.statement, w, subject);
  if (!v.action) return actionReason(v.statement, w, subject, request.action);
  const failed = v.conditions.filter((c) => c.result === false);
  const first = conditionReason(failed[0] as ConditionVerdict, w, subject);
  return failed.length > 1 ? E.trustAndMore(first, failed.length - 1) : first;
}

function valuesOf(s: Statement, type: string): string[] {
  return s.principal.byType.filter(([t]) => t === type).flatMap(([, values]) => values);
}

function principalReason(s: Statement, w: string, subject: CheckSubject): Message {
  const federated = valuesOf(s, 'Federated');
  const services = valuesOf(s, 'Service');
  const aws = valuesOf(s, 'AWS');
  const list = (xs: readonly string[]) => xs.map(quote).join(', ');
  const expected = subject.mode === 'irsa'
    ? `the token's provider is ${subject.provider.arn}`
    : `EKS Pod Identity calls as the service ${POD_IDENTITY_SERVICE}`;
  if (s.principal.not) {
    return E.trustPrincipal(w, `everyone except the NotPrincipal ${list([...federated, ...services, ...aws])}`, `${expected}, one of them`, '');
  }
  if (subject.mode === 'irsa') {
    const p = subject.provider;
    if (federated.length > 0) {
      const arns = federated.map(parseProviderArn).flatMap((r) => (r.ok ? [r.value] : []));
      const near = arns.find((a) => a.issuerHostPath === p.issuerHostPath) ?? arns[0];
      let detail = '';
      if (near) {
        const diffs: string[] = [];
        if (near.account !== p.account) diffs.push(`the policy's provider is in account ${near.account}, the token's in ${p.account}`);
        if (near.partition !== p.partition) diffs.push(`the policy's provider is in partition ${near.partition}, the token's in ${p.partition}`);
        if (near.issuerHostPath !== p.issuerHostPath) diffs.push(`the policy's provider is for issuer ${near.issuerHostPath}, the token's for ${p.issuerHostPath}`);
        detail = diffs.join('; ');
      }
      if (federated.some((f) => f.includes('*') && f !== '*')) detail = `${detail ? `${detail}; ` : ''}a * inside a Principal is no wildcard`;
      if (!near && !detail) detail = 'that is not an IAM OIDC provider ARN';
      return E.trustPrincipal(w, `the Federated principal ${list(federated)}`, expected, detail);
    }
    if (services.length > 0) {
      return E.trustPrincipal(w, `the service ${list(services)}`, expected,
        services.includes(POD_IDENTITY_SERVICE) ? 'that is EKS Pod Identity: check it with --pod-identity, or trust the provider for IRSA' : 'IRSA needs Principal.Federated');
    }
    return E.trustPrincipal(w, aws.length > 0 ? `the AWS principal ${list(aws)}` : 'no principal of this kind', expected, 'IRSA needs Principal.Federated');
  }
  if (federated.length > 0) return E.trustPrincipal(w, `the Federated principal ${list(federated)}`, expected, 'that is IRSA: check it without --pod-identity');
  if (services.length > 0) return E.trustPrincipal(w, `the service ${list(services)}`, expected, services.some((x) => x.includes('*') && x !== '*') ? 'a * inside a Principal is no wildcard' : '');
  return E.trustPrincipal(w, aws.length > 0 ? `the AWS principal ${list(aws)}` : 'no principal of this kind', expected, 'EKS Pod Identity needs Principal.Service');
}

function actionReason(s: Statement, w: string, subject: CheckSubject, action: string): Message {
  const allowed = s.action.not ? `every action except ${s.action.patterns.join(', ')}` : s.action.patterns.join(', ');
  const needed = subject.mode === 'irsa'
    ? `IRSA calls ${WEB_IDENTITY_ACTION}`
    : `EKS Pod Identity needs both ${POD_IDENTITY_ACTIONS.join(' and ')} (${action} is not allowed)`;
  return E.trustAction(w, allowed, needed);
}

/** What a key means for this subject: "sub", "aud", a Pod Identity session tag, or nothing known. */
interface KeyMeaning {
  readonly label: string;
  readonly expected: string;
  /** How the actual value is said: "the token will carry …". */
  readonly carried: string;
  /** The key as it must be written for this subject (an other issuer's key is renamed). */
  readonly ownKey: string;
  readonly otherIssuer: boolean;
}

function keyMeaning(key: string, subject: CheckSubject): KeyMeaning | undefined {
  const k = key.toLowerCase();
  if (subject.mode === 'irsa') {
    const colon = k.lastIndexOf(':');
    const issuer = colon > 0 ? k.slice(0, colon) : '';
    const claim = k.slice(colon + 1);
    if (colon <= 0 || !issuer.includes('.') || (claim !== 'sub' && claim !== 'aud')) return undefined;
    const otherIssuer = issuer !== subject.provider.issuerHostPath.toLowerCase();
    const ownKey = otherIssuer ? `${subject.provider.issuerHostPath}:${claim}` : key;
    if (claim === 'sub') {
      const sub = serviceAccountSubject(subject.namespace, subject.serviceAccount);
      return { label: 'sub', expected: sub, carried: `the token will carry sub ${quote(sub)}`, ownKey, otherIssuer };
    }
    return { label: 'aud', expected: subject.audience, carried: `the token's aud will be ${quote(subject.audience)}`, ownKey, otherIssuer };
  }
  const tags: Record<string, string> = {
    'aws:requesttag/kubernetes-namespace': subject.namespace,
    'aws:requesttag/kubernetes-service-account': subject.serviceAccount,
  };
  const value = tags[k];
  if (value === undefined) return undefined;
  const tag = k.slice('aws:requesttag/'.length);
  return { label: `session tag ${tag}`, expected: value, carried: `EKS will tag the session ${tag}=${value}`, ownKey: key, otherIssuer: false };
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']);

/** Does a policy value match a request value under the operator (no policy variables)? */
function plainMatch(op: ParsedOperator, policyValue: string, value: string): boolean {
  if (op.base === 'StringEquals' || op.base === 'StringNotEquals') return policyValue === value;
  if (op.base === 'StringEqualsIgnoreCase' || op.base === 'StringNotEqualsIgnoreCase') return policyValue.toLowerCase() === value.toLowerCase();
  return globMatch(policyValue, value);
}

function conditionReason(c: ConditionVerdict, w: string, subject: CheckSubject): Message {
  const { operator, key, values } = c.entry;
  const op = c.entry.parsed as ParsedOperator;
  if (op.base === 'Null') return E.trustNullMismatch(w, key, c.context.kind === 'present');
  const meaning = keyMeaning(key, subject);
  if (c.context.kind !== 'present') {
    if (meaning?.otherIssuer && subject.mode === 'irsa') return E.trustOtherIssuerKey(w, key, subject.provider.issuerHostPath);
    return E.trustAbsentKey(w, operator, key, c.context.kind === 'absent' ? c.context.why : 'its value is unknown');
  }
  const carried = c.context.values;
  const label = meaning?.label ?? quote(key);
  if (NEGATED.has(op.base)) return E.trustValueExcluded(w, operator, label, carried.join(', '));
  if (op.base === 'StringEquals') {
    const literal = values.find((v) => hasWildcard(v) && carried.some((a) => globMatch(v, a)));
    if (literal !== undefined) return E.trustLiteralWildcard(w, operator, key, literal, carried[0] as string);
  }
  const expected = values.length === 1 ? quote(values[0] as string) : `one of ${values.map(quote).join(', ')}`;
  // Even when the pattern would not match either, say that the * is literal: the user meant a wildcard.
  const note = op.base === 'StringEquals' && values.some(hasWildcard) ? '; note that StringEquals takes * and ? literally (StringLike has wildcards)' : '';
  if (meaning) return E.trustValueMismatch(w, meaning.label, expected, operator, `${meaning.carried}${note}`);
  return E.trustConditionFails(w, operator, key, `the request's ${carried.map(quote).join(', ')}`);
}

// --- explicit deny ---

function explainDeny(policy: TrustPolicy, decision: TrustVerdict, subject: CheckSubject): TrustCheck {
  const deny = decision.by as StatementVerdict;
  const allow = decision.verdicts.find((v) => v.statement.effect === 'Allow' && v.result === true);
  const also = allow ? `, including ${where(allow.statement)}` : '; no Allow statement matches either';
  const line = E.trustExplicitDeny(where(deny.statement), also);
  const corrected = subject.mode === 'irsa' ? exemptFromDeny(policy, deny.statement, subject) : undefined;
  return corrected ? { allowed: false, line, corrected } : { allowed: false, line };
}

/** The Deny with a condition that leaves out exactly this ServiceAccount. */
function exemptFromDeny(policy: TrustPolicy, s: Statement, subject: CheckSubject & { mode: 'irsa' }): JsonObject | undefined {
  const raw = structuredClone(s.raw);
  const condition: JsonObject = isObject(raw.Condition) ? raw.Condition : {};
  const notEquals: JsonObject = isObject(condition.StringNotEquals) ? condition.StringNotEquals : {};
  const key = `${subject.provider.issuerHostPath}:sub`;
  const existing = Object.keys(notEquals).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;
  notEquals[existing] = merged(notEquals[existing], [serviceAccountSubject(subject.namespace, subject.serviceAccount)]);
  condition.StringNotEquals = notEquals;
  raw.Condition = condition;
  const reparsed = parseTrustPolicy({ Version: policy.version, Statement: [raw] }, '');
  if (!reparsed.ok) return undefined;
  const st = reparsed.value.statements[0] as Statement;
  return requestsFor(subject).every((r) => evaluateStatement(st, r, policy.version).result === false) ? raw : undefined;
}

function merged(existing: Json | undefined, add: readonly string[]): Json {
  const before = typeof existing === 'string' ? [existing] : Array.isArray(existing) ? existing.filter((x): x is string => typeof x === 'string') : [];
  const all = [...before, ...add.filter((a) => !before.includes(a))];
  return all.length === 1 ? (all[0] as string) : all;
}

// --- undecided ---

function explainUnknown(decision: TrustVerdict): TrustCheck {
  const v = decision.by as StatementVerdict;
  const w = where(v.statement);
  const c = v.conditions.find((x) => x.result === 'unknown') as ConditionVerdict;
  if (!c.entry.parsed) return { allowed: false, line: E.trustUnknownOperator(w, c.entry.operator, operatorHint(c.entry.operator)) };
  if (c.context.kind === 'unknown') return { allowed: false, line: E.trustUnknownKey(w, c.entry.key, c.context.why) };
  return { allowed: false, line: E.trustUnknownVariable(w, c.entry.key) };
}

function operatorHint(op: string): string {
  const known = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'Null'];
  const bare = op.replace(/^ForA(ny|ll)Values?:/i, '').replace(/IfExists$/i, '');
  const near = known.find((k) => k.toLowerCase() === bare.toLowerCase() || k.toLowerCase() === `${bare.toLowerCase()}s`);
  if (near && near !== bare) return ` (did you mean ${near}?)`;
  return ' (it evaluates String[Not]Equals, String[Not]EqualsIgnoreCase, String[Not]Like, their IfExists forms, ForAnyValue:/ForAllValues: and Null)';
}

// --- the corrected statement ---

function repair(policy: TrustPolicy, s: Statement, subject: CheckSubject): JsonObject {
  const requests = requestsFor(subject);
  const raw = structuredClone(s.raw);
  const verdicts = requests.map((r) => evaluateStatement(s, r, policy.version));
  if (verdicts.some((v) => !v.principal)) {
    delete raw.NotPrincipal;
    raw.Principal = subject.mode === 'irsa' ? { Federated: subject.provider.arn } : { Service: POD_IDENTITY_SERVICE };
  }
  if (verdicts.some((v) => !v.action)) {
    delete raw.NotAction;
    raw.Action = subject.mode === 'irsa' ? WEB_IDENTITY_ACTION : [...POD_IDENTITY_ACTIONS];
  }
  const condition = repairConditions(raw.Condition, verdicts[0]?.conditions ?? [], subject);
  if (Object.keys(condition).length > 0) raw.Condition = condition;
  else delete raw.Condition;
  pinServiceAccount(raw, subject);

  const reparsed = parseTrustPolicy({ Version: policy.version, Statement: [raw] }, '');
  // 'unknown' is accepted: it can only hang on the user's own conditions, left as they were.
  if (reparsed.ok && requests.every((r) => ['allowed', 'unknown'].includes(evaluate(reparsed.value, r).outcome))) return raw;
  return generatedStatement(subject, s.sid);
}

function repairConditions(rawCondition: Json | undefined, verdicts: readonly ConditionVerdict[], subject: CheckSubject): JsonObject {
  const out: JsonObject = {};
  const put = (op: string, key: string, values: Json) => {
    const block: JsonObject = isObject(out[op]) ? (out[op] as JsonObject) : (out[op] = {});
    const existing = Object.keys(block).find((k) => k.toLowerCase() === key.toLowerCase());
    if (existing === undefined) block[key] = values;
    else block[existing] = merged(block[existing], typeof values === 'string' ? [values] : (values as string[]));
  };
  if (!isObject(rawCondition)) return out;
  for (const [op, block] of Object.entries(rawCondition)) {
    if (!isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      const verdict = verdicts.find((c) => c.entry.operator === op && c.entry.key === key);
      if (!verdict || verdict.result !== false) {
        put(op, key, value);
        continue;
      }
      const fixed = fixEntry(verdict.entry, subject);
      if (fixed) put(fixed.op, fixed.key, fixed.values.length === 1 ? (fixed.values[0] as string) : [...fixed.values]);
    }
  }
  return out;
}

/** The failing condition rewritten so this ServiceAccount passes it; undefined drops it. */
function fixEntry(entry: ConditionEntry, subject: CheckSubject): { op: string; key: string; values: readonly string[] } | undefined {
  const op = entry.parsed as ParsedOperator;
  const meaning = keyMeaning(entry.key, subject);
  // Null, and keys the call can never carry (amr, another issuer's email, ...): the condition cannot be met, drop it.
  if (op.base === 'Null' || !meaning) return undefined;
  const key = meaning.ownKey;
  if (NEGATED.has(op.base)) {
    const rest = entry.values.filter((v) => !plainMatch(op, v, meaning.expected));
    return rest.length > 0 ? { op: entry.operator, key, values: rest } : undefined;
  }
  if (op.base === 'StringEquals' && entry.values.some((v) => hasWildcard(v) && globMatch(v, meaning.expected))) {
    return { op: entry.operator.replace('StringEquals', 'StringLike'), key, values: entry.values };
  }
  if (entry.values.some((v) => plainMatch(op, v, meaning.expected))) return { op: entry.operator, key, values: entry.values };
  // One value is a typo to replace; a list is a set of ServiceAccounts to extend.
  return { op: entry.operator, key, values: entry.values.length === 1 ? [meaning.expected] : [...entry.values, meaning.expected] };
}

/** A corrected statement never trusts every ServiceAccount of the cluster: it names this one if nothing else does. */
function pinServiceAccount(raw: JsonObject, subject: CheckSubject): void {
  const condition: JsonObject = isObject(raw.Condition) ? raw.Condition : {};
  const constrains = (key: string) => Object.entries(condition).some(([op, block]) =>
    !/Not|^Null$/.test(op) && isObject(block) && Object.keys(block).some((k) => k.toLowerCase() === key.toLowerCase()));
  const add = (key: string, value: string) => {
    const block: JsonObject = isObject(condition.StringEquals) ? condition.StringEquals : (condition.StringEquals = {});
    block[key] = value;
  };
  if (subject.mode === 'irsa') {
    const prefix = subject.provider.issuerHostPath;
    if (!constrains(`${prefix}:sub`)) {
      add(`${prefix}:sub`, serviceAccountSubject(subject.namespace, subject.serviceAccount));
      if (!constrains(`${prefix}:aud`)) add(`${prefix}:aud`, subject.audience);
    }
  } else {
    if (!constrains('aws:RequestTag/kubernetes-namespace')) add('aws:RequestTag/kubernetes-namespace', subject.namespace);
    if (!constrains('aws:RequestTag/kubernetes-service-account')) add('aws:RequestTag/kubernetes-service-account', subject.serviceAccount);
  }
  if (Object.keys(condition).length > 0) raw.Condition = condition;
}
