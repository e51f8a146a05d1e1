// pflag-compatible parsing: --flag=value, --flag value, bare booleans,
// --flag=false, one-letter -v=4 / -f FILE, and Go's single-dash -flag=value,
// so existing upstream Deployment args keep working.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { parseGoBool } from '../util/go-bool.js';
import { parseGoDuration } from '../util/go-duration.js';
import { canonicalFlagName, flagsFor, type Command, type FlagSpec } from './flags.js';

export type FlagValue = string | number | boolean | string[];
export type FlagValues = Record<string, FlagValue>;

export interface ParsedArgs {
  readonly command: Command;
  readonly values: FlagValues;
  /** Flags the user actually gave (defaults excluded). */
  readonly given: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function defaultValues(command: Command): FlagValues {
  const out: FlagValues = {};
  for (const f of flagsFor(command)) out[f.name] = defaultOf(f);
  return out;
}

function defaultOf(f: FlagSpec): FlagValue {
  if (f.type === 'duration') return parseGoDuration(String(f.default)) ?? 0;
  if (f.type === 'stringArray') return [...(f.default as readonly string[])];
  return f.default as FlagValue;
}

export function parseArgs(command: Command, argv: readonly string[]): Result<ParsedArgs> {
  const specs = flagsFor(command);
  const values = defaultValues(command);
  const given = new Set<string>();
  const positionals: string[] = [];
  const find = (name: string, short: boolean): FlagSpec | undefined =>
    short ? specs.find((f) => f.short === name) ?? specs.find((f) => f.name === canonicalFlagName(name))
      : specs.find((f) => f.name === canonicalFlagName(name));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const doubleDash = arg.startsWith('--');
    const body = arg.slice(doubleDash ? 2 : 1);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let inline: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec = find(name, !doubleDash && name.length === 1);
    // -fFILE: a one-letter flag with its value glued on.
    if (!spec && !doubleDash && eq < 0 && name.length > 1) {
      const shortSpec = specs.find((f) => f.short === name[0]);
      if (shortSpec && shortSpec.type !== 'bool') {
        spec = shortSpec;
        inline = name.slice(1);
        name = name[0] as string;
      }
    }
    if (!spec) return fail(E.unknownFlag(doubleDash ? `--${name}` : `-${name}`, command));

    let raw: string;
    if (spec.type === 'bool') {
      // pflag reads `--flag false` as a bare --flag (true) and a stray "false":
      // the opposite of what was meant, silently. Say how to write it instead.
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && /^(true|false)$/i.test(next)) return fail(E.boolFlagSeparateValue(spec.name, next));
      raw = inline ?? 'true';
    } else if (inline !== undefined) {
      raw = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined) return fail(E.flagNeedsValue(spec.name));
      raw = next;
      i++;
    }
    const converted = convert(spec, raw);
    if (!converted.ok) return converted;
    given.add(spec.name);
    if (spec.type === 'stringArray') (values[spec.name] as string[]).push(raw);
    else values[spec.name] = converted.value;
  }
  return ok({ command, values, given, positionals });
}

function convert(spec: FlagSpec, raw: string): Result<FlagValue> {
  switch (spec.type) {
    case 'bool': {
      const b = parseGoBool(raw);
      return b === undefined ? fail(E.flagBadValue(spec.name, raw, 'true or false')) : ok(b);
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return fail(E.flagBadValue(spec.name, raw, 'an integer'));
      return ok(Number(raw));
    }
    case 'duration': {
      const ms = parseGoDuration(raw);
      if (ms === undefined || ms < 0) return fail(E.flagBadValue(spec.name, raw, 'a duration such as 100ms, 2s or 1m30s'));
      return ok(ms);
    }
    default:
      return ok(raw);
  }
}
