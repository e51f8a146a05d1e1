// A role's trust policy as check-trust reads it: the document itself, the whole
// `aws iam get-role` output, or either URL-encoded (IAM's raw API returns the
// document that way). Everything is checked here, once, so the evaluator only
// sees well-formed statements and every malformed input gets one line naming
// the file and the statement at fault.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject, type Json, type JsonObject } from '../util/json.js';

export type Effect = 'Allow' | 'Deny';
export type Version = '2012-10-17' | '2008-10-17';
export type SetOperator = 'ForAnyValue' | 'ForAllValues';
export type BaseOperator =
  | 'StringEquals' | 'StringNotEquals' | 'StringEqualsIgnoreCase' | 'StringNotEqualsIgnoreCase'
  | 'StringLike' | 'StringNotLike' | 'Null';

export const BASE_OPERATORS: readonly BaseOperator[] = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'Null',
];

export interface ParsedOperator {
  readonly set?: SetOperator;
  readonly base: BaseOperator;
  readonly ifExists: boolean;
}

export interface ConditionEntry {
  /** As written, e.g. "ForAnyValue:StringLikeIfExists". */
  readonly operator: string;
  /** Undefined when check-trust does not know the operator: it refuses to guess. */
  readonly parsed?: ParsedOperator;
  /** As written; matched case-insensitively. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface PrincipalSpec {
  readonly not: boolean;
  /** `"Principal": "*"`. */
  readonly any: boolean;
  /** Principal type (AWS, Federated, Service, CanonicalUser) to its values. */
  readonly byType: ReadonlyArray<readonly [string, readonly string[]]>;
}

export interface ActionSpec {
  readonly not: boolean;
  readonly patterns: readonly string[];
}

export interface Statement {
  /** 1-based, as users count them. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal: PrincipalSpec;
  readonly action: ActionSpec;
  readonly conditions: readonly ConditionEntry[];
  /** The statement as written, for the corrected statement. */
  readonly raw: JsonObject;
}

export interface TrustPolicy {
  readonly version: Version;
  readonly statements: readonly Statement[];
}

const PRINCIPAL_TYPES = ['AWS', 'Federated', 'Service', 'CanonicalUser'];

export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: SetOperator | undefined;
  for (const prefix of ['ForAnyValue:', 'ForAllValues:'] as const) {
    if (rest.startsWith(prefix)) {
      set = prefix.slice(0, -1) as SetOperator;
      rest = rest.slice(prefix.length);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const base = BASE_OPERATORS.find((b) => b === rest);
  if (!base) return undefined;
  // IAM has no NullIfExists and no set form of Null.
  if (base === 'Null' && (ifExists || set)) return undefined;
  return set ? { set, base, ifExists } : { base, ifExists };
}

/** The text of the file, as JSON: decoded once or twice if URL-encoded or a JSON string. */
export function parseTrustPolicyText(text: string, file: string): Result<TrustPolicy> {
  const doc = decodeDocument(text, file);
  if (!doc.ok) return doc;
  const unwrapped = unwrapGetRole(doc.value, file);
  if (!unwrapped.ok) return unwrapped;
  return parseTrustPolicy(unwrapped.value, file);
}

function decodeDocument(text: string, file: string): Result<Json> {
  let current = text.replace(/^\uFEFF/, '').trim();
  if (current === '') return fail(E.policyNotJson(file, 'the file is empty'));
  // A JSON string holding the document (or its URL encoding) is unwrapped too:
  // some tools print the document as a string field.
  for (let round = 0; round < 3; round++) {
    if (/^%7B/i.test(current)) {
      try {
        current = decodeURIComponent(current).trim();
      } catch {
        return fail(E.policyNotJson(file, 'it looks URL-encoded (%7B...) but is not valid URL encoding'));
      }
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(current) as Json;
    } catch (err) {
      return fail(E.policyNotJson(file, (err as Error).message));
    }
    if (typeof parsed !== 'string') return ok(parsed);
    current = parsed.trim();
  }
  return fail(E.policyNotJson(file, 'a JSON string nested too deeply'));
}

/** `aws iam get-role` output ({"Role": {...}}) or its Role object → the trust policy. */
function unwrapGetRole(doc: Json, file: string): Result<Json> {
  if (!isObject(doc)) return ok(doc);
  const role = isObject(doc.Role) ? doc.Role : 'AssumeRolePolicyDocument' in doc ? doc : undefined;
  if (!role) return ok(doc);
  const inner = role.AssumeRolePolicyDocument;
  if (inner === undefined) return fail(E.policyGetRoleNoDocument(file));
  if (typeof inner === 'string') return decodeDocument(inner, file);
  return ok(inner);
}

export function parseTrustPolicy(doc: Json, file: string): Result<TrustPolicy> {
  if (!isObject(doc)) return fail(E.policyNotObject(file, describe(doc)));
  const version = doc.Version === undefined ? '2008-10-17' : doc.Version;
  if (version !== '2012-10-17' && version !== '2008-10-17') return fail(E.policyVersion(file, describe(version)));
  if (!('Statement' in doc)) return fail(E.policyNoStatement(file));
  const list = Array.isArray(doc.Statement) ? doc.Statement : isObject(doc.Statement) ? [doc.Statement] : undefined;
  if (!list) return fail(E.policyStatementShape(file, describe(doc.Statement)));
  if (list.length === 0) return fail(E.policyNoStatement(file));
  const statements: Statement[] = [];
  for (const [i, raw] of list.entries()) {
    const st = parseStatement(raw, i + 1);
    if (!st.ok) return fail(E.policyBadStatement(file, i + 1, st.error));
    statements.push(st.value);
  }
  return ok({ version, statements });
}

type Sentence = Result<never, string>;
const no = (why: string): Sentence => ({ ok: false, error: why });

function parseStatement(raw: Json, index: number): Result<Statement, string> {
  if (!isObject(raw)) return no(`is ${describe(raw)}, not an object`);
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') return no('has a Sid that is not a string');
  if (raw.Effect === undefined) return no('has no Effect (add "Effect": "Allow")');
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') return no(`has Effect ${describe(raw.Effect)}: it must be "Allow" or "Deny" (case matters)`);
  if ('Principal' in raw && 'NotPrincipal' in raw) return no('has both Principal and NotPrincipal');
  if (!('Principal' in raw) && !('NotPrincipal' in raw)) return no('has no Principal: a trust policy names who may assume the role');
  const principal = parsePrincipal('Principal' in raw ? raw.Principal : raw.NotPrincipal, !('Principal' in raw));
  if (!principal.ok) return principal;
  if ('Action' in raw && 'NotAction' in raw) return no('has both Action and NotAction');
  if (!('Action' in raw) && !('NotAction' in raw)) return no('has no Action (IRSA needs "Action": "sts:AssumeRoleWithWebIdentity")');
  const action = parseAction('Action' in raw ? raw.Action : raw.NotAction, !('Action' in raw));
  if (!action.ok) return action;
  const conditions = parseConditions(raw.Condition);
  if (!conditions.ok) return conditions;
  return {
    ok: true,
    value: {
      index, effect: raw.Effect, principal: principal.value, action: action.value, conditions: conditions.value, raw,
      ...(typeof raw.Sid === 'string' && raw.Sid !== '' ? { sid: raw.Sid } : {}),
    },
  };
}

function stringList(v: Json | undefined): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function parsePrincipal(v: Json | undefined, not: boolean): Result<PrincipalSpec, string> {
  const field = not ? 'NotPrincipal' : 'Principal';
  if (v === '*') return { ok: true, value: { not, any: true, byType: [] } };
  if (!isObject(v)) return no(`has ${field} ${describe(v)}: expected "*" or an object such as {"Federated": "arn:aws:iam::111122223333:oidc-provider/..."}`);
  const byType: Array<readonly [string, readonly string[]]> = [];
  for (const [type, values] of Object.entries(v)) {
    if (!PRINCIPAL_TYPES.includes(type)) return no(`has ${field} type "${type}": expected ${PRINCIPAL_TYPES.join(', ')}`);
    const list = stringList(values);
    if (!list) return no(`has ${field}.${type} that is neither a string nor a list of strings`);
    byType.push([type, list]);
  }
  if (byType.length === 0) return no(`has an empty ${field}`);
  return { ok: true, value: { not, any: false, byType } };
}

function parseAction(v: Json | undefined, not: boolean): Result<ActionSpec, string> {
  const list = stringList(v);
  if (!list) return no(`has ${not ? 'NotAction' : 'Action'} that is neither a string nor a list of strings`);
  return { ok: true, value: { not, patterns: list } };
}

function conditionValues(v: Json | undefined): string[] | undefined {
  const scalar = (x: Json): string | undefined =>
    typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
  if (Array.isArray(v)) {
    const out = v.map(scalar);
    return out.every((x) => x !== undefined) ? (out as string[]) : undefined;
  }
  const one = v === undefined ? undefined : scalar(v);
  return one === undefined ? undefined : [one];
}

function parseConditions(v: Json | undefined): Result<ConditionEntry[], string> {
  if (v === undefined) return { ok: true, value: [] };
  if (!isObject(v)) return no(`has a Condition that is ${describe(v)}, not an object of operators`);
  const out: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(v)) {
    if (!isObject(block)) return no(`has Condition "${operator}" that is ${describe(block)}, not an object of condition keys`);
    const parsed = parseOperator(operator);
    for (const [key, raw] of Object.entries(block)) {
      const values = conditionValues(raw);
      if (!values) return no(`has Condition "${operator}" key "${key}" whose value is neither a string nor a list of strings`);
      if (parsed?.base === 'Null' && values.some((x) => x !== 'true' && x !== 'false')) {
        return no(`has Condition "Null" key "${key}" with a value other than "true" or "false"`);
      }
      out.push(parsed ? { operator, parsed, key, values } : { operator, key, values });
    }
  }
  return { ok: true, value: out };
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 39)}…` : v}"`;
  return `${typeof v} ${String(v)}`;
}
