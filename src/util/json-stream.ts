// JSON written a piece at a time, for documents too large to build as one
// string: /debug/alpha/cache at 100k ServiceAccounts was 8.6 MB built in one
// JSON.stringify, and 30 concurrent fetches held the event loop long enough to
// slow admissions to 360–450 ms (issue 14). A value may hold LazyJsonObject
// members, whose entries are read from their source only while being written;
// everything else is ordinary JSON, stringified whole.

/** An object whose entries are produced while it is written (a live cache, say). */
export class LazyJsonObject {
  constructor(readonly entries: () => Iterable<readonly [string, unknown]>) {}

  /** Anywhere else (JSON.stringify of a value holding one), it is an ordinary object. */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.entries());
  }
}

/** Pieces of about this many characters; between pieces the writer may yield. */
const PIECE_CHARS = 64 * 1024;

/**
 * The JSON text of `value` in pieces: the same text JSON.stringify gives,
 * but lazy objects (and plain objects holding them) are written member by
 * member, so no piece is much larger than PIECE_CHARS.
 */
export function* jsonPieces(value: unknown): Generator<string, void, undefined> {
  const out = { text: '' };
  yield* write(value, out);
  if (out.text !== '') yield out.text;
}

function* write(v: unknown, out: { text: string }): Generator<string, void, undefined> {
  if (v instanceof LazyJsonObject) return yield* members(v.entries(), out);
  if (holdsLazy(v)) return yield* members(Object.entries(v), out);
  out.text += JSON.stringify(v) ?? 'null';
  if (out.text.length >= PIECE_CHARS) {
    yield out.text;
    out.text = '';
  }
}

function* members(entries: Iterable<readonly [string, unknown]>, out: { text: string }): Generator<string, void, undefined> {
  out.text += '{';
  let first = true;
  for (const [k, item] of entries) {
    // As JSON.stringify does: members without a JSON value are left out.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out.text += `${first ? '' : ','}${JSON.stringify(k)}:`;
    first = false;
    yield* write(item, out);
  }
  out.text += '}';
}

/** A plain object (not an array) with a lazy member: written member by member. */
function holdsLazy(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if ((v as Record<string, unknown>)[k] instanceof LazyJsonObject) return true;
  return false;
}
