// IAM's evaluation of a trust policy for one request, as the IAM User Guide's
// "policy evaluation logic" describes it: an explicit Deny wins; otherwise some
// Allow must match the principal, the action and every condition.
//
// Three-valued: a condition on a key check-trust cannot know (the caller's IP,
// the cluster's ARN) or an operator it does not evaluate is 'unknown', and the
// answer is 'unknown' when it hangs on one. A tool that guesses "allowed" here
// would send the user to production with a policy that fails there.

import type { ConditionEntry, ParsedOperator, Statement, TrustPolicy, Version } from './document.js';

export type Tri = boolean | 'unknown';

/** What the request carries under one condition key. */
export type ContextValue =
  | { readonly kind: 'present'; readonly values: readonly string[] }
  | { readonly kind: 'absent'; readonly why: string }
  | { readonly kind: 'unknown'; readonly why: string };

export interface TrustRequest {
  readonly principal: { readonly type: 'Federated' | 'Service'; readonly id: string };
  readonly action: string;
  /** Called with the key lower-cased: IAM's condition keys are case-insensitive. */
  context(key: string): ContextValue;
}

export interface ConditionVerdict {
  readonly entry: ConditionEntry;
  readonly context: ContextValue;
  readonly result: Tri;
}

export interface StatementVerdict {
  readonly statement: Statement;
  readonly principal: boolean;
  readonly action: boolean;
  readonly conditions: readonly ConditionVerdict[];
  readonly result: Tri;
}

export type Outcome = 'allowed' | 'explicit-deny' | 'implicit-deny' | 'unknown';

export interface TrustVerdict {
  readonly request: TrustRequest;
  readonly outcome: Outcome;
  /** allowed: the first Allow that matches; explicit-deny: the Deny; unknown: the statement it hangs on. */
  readonly by?: StatementVerdict;
  readonly verdicts: readonly StatementVerdict[];
}

export function evaluate(policy: TrustPolicy, request: TrustRequest): TrustVerdict {
  const verdicts = policy.statements.map((s) => evaluateStatement(s, request, policy.version));
  const denies = verdicts.filter((v) => v.statement.effect === 'Deny');
  const allows = verdicts.filter((v) => v.statement.effect === 'Allow');
  const deny = denies.find((v) => v.result === true);
  if (deny) return { request, outcome: 'explicit-deny', by: deny, verdicts };
  const allow = allows.find((v) => v.result === true);
  const maybeAllow = allows.find((v) => v.result === 'unknown');
  if (!allow && !maybeAllow) return { request, outcome: 'implicit-deny', verdicts };
  const maybeDeny = denies.find((v) => v.result === 'unknown');
  if (maybeDeny) return { request, outcome: 'unknown', by: maybeDeny, verdicts };
  if (allow) return { request, outcome: 'allowed', by: allow, verdicts };
  return { request, outcome: 'unknown', by: maybeAllow, verdicts };
}

export function evaluateStatement(statement: Statement, request: TrustRequest, version: Version = '2012-10-17'): StatementVerdict {
  const principal = principalMatches(statement, request);
  const action = actionMatches(statement, request.action);
  const conditions = statement.conditions.map((entry): ConditionVerdict => {
    const context = request.context(entry.key.toLowerCase());
    return { entry, context, result: conditionHolds(entry, context, request, version) };
  });
  const result = principal && action ? and(conditions.map((c) => c.result)) : false;
  return { statement, principal, action, conditions, result };
}

function principalMatches(statement: Statement, request: TrustRequest): boolean {
  const p = statement.principal;
  const listed = p.any || p.byType.some(([type, values]) =>
    // {"AWS": "*"} means everyone, like "Principal": "*". Inside an ARN a * is
    // not a wildcard: IAM compares principals whole.
    (type === 'AWS' && values.includes('*')) || (type === request.principal.type && (values.includes('*') || values.includes(request.principal.id))));
  return p.not ? !listed : listed;
}

export function actionMatches(statement: Statement, action: string): boolean {
  const listed = statement.action.patterns.some((pattern) => globMatch(pattern.toLowerCase(), action.toLowerCase()));
  return statement.action.not ? !listed : listed;
}

/** IAM's wildcard match: * any run of characters, ? exactly one. */
export function globMatch(pattern: string, value: string): boolean {
  return globRegExp(pattern).test(value);
}

function globRegExp(pattern: string, literal: ReadonlySet<number> = new Set()): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && !literal.has(i)) re += '.*';
    else if (c === '?' && !literal.has(i)) re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

const and = (xs: readonly Tri[]): Tri => (xs.includes(false) ? false : xs.includes('unknown') ? 'unknown' : true);
const or = (xs: readonly Tri[]): Tri => (xs.includes(true) ? true : xs.includes('unknown') ? 'unknown' : false);
const not = (x: Tri): Tri => (x === 'unknown' ? x : !x);

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike']);

function conditionHolds(entry: ConditionEntry, context: ContextValue, request: TrustRequest, version: Version): Tri {
  const op = entry.parsed;
  if (!op) return 'unknown';
  if (context.kind === 'unknown') return 'unknown';
  const values = context.kind === 'present' ? context.values : [];
  const absent = values.length === 0;
  if (op.base === 'Null') return entry.values.some((v) => (v === 'true') === absent);

  const negated = NEGATED.has(op.base);
  // A request value matched against the policy's values (ORed), before negation.
  const matchesAny = (requestValue: string): Tri =>
    or(entry.values.map((policyValue) => valueMatches(op, policyValue, requestValue, request, version)));

  if (op.set === 'ForAllValues') {
    // Vacuously true for an absent key or an empty set, as IAM documents.
    if (absent) return true;
    return and(values.map((v) => (negated ? not(matchesAny(v)) : matchesAny(v))));
  }
  if (op.set === 'ForAnyValue') {
    if (absent) return op.ifExists;
    return or(values.map((v) => (negated ? not(matchesAny(v)) : matchesAny(v))));
  }
  // Single-valued operators. A missing key fails a positive operator and
  // satisfies a negated one (IAM: "the values do not match"); IfExists makes
  // a missing key pass either way.
  if (absent) return op.ifExists || negated;
  const any = or(values.map(matchesAny));
  return negated ? not(any) : any;
}

function valueMatches(op: ParsedOperator, policyValue: string, requestValue: string, request: TrustRequest, version: Version): Tri {
  const expanded = expandVariables(policyValue, request, version);
  if (expanded === 'unknown') return 'unknown';
  if (expanded === undefined) return false;
  switch (op.base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return expanded.text === requestValue;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return expanded.text.toLowerCase() === requestValue.toLowerCase();
    default:
      return globRegExp(expanded.text, expanded.literal).test(requestValue);
  }
}

interface Expanded {
  readonly text: string;
  /** Positions of * and ? that came from ${*}, ${?} or a substituted value: never wildcards. */
  readonly literal: ReadonlySet<number>;
}

/**
 * Policy variables (Version 2012-10-17 only; 2008-10-17 compares "${...}"
 * literally): ${*}, ${?} and ${$} are the characters themselves; ${key} and
 * ${key, 'default'} take the request's value. Undefined: the key is absent and
 * there is no default, so this value matches nothing.
 */
export function expandVariables(value: string, request: TrustRequest, version: Version): Expanded | undefined | 'unknown' {
  if (version !== '2012-10-17' || !value.includes('${')) return { text: value, literal: new Set() };
  let text = '';
  const literal = new Set<number>();
  const pushLiteral = (s: string) => {
    for (const c of s) {
      if (c === '*' || c === '?') literal.add(text.length);
      text += c;
    }
  };
  const re = /\$\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    text += value.slice(last, m.index);
    last = m.index + m[0].length;
    const inner = (m[1] ?? '').trim();
    if (inner === '*' || inner === '?' || inner === '$') {
      pushLiteral(inner);
      continue;
    }
    const d = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(inner);
    const key = (d ? d[1] : inner)?.trim().toLowerCase() ?? '';
    const ctx = request.context(key);
    if (ctx.kind === 'unknown') return 'unknown';
    if (ctx.kind === 'present' && ctx.values.length === 1) pushLiteral(ctx.values[0] as string);
    else if (ctx.kind === 'present' && ctx.values.length > 1) return 'unknown';
    else if (d) pushLiteral(d[2] ?? '');
    else return undefined;
  }
  text += value.slice(last);
  return { text, literal };
}
