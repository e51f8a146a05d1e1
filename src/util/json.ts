// JSON values as the webhook reads them: untyped input checked field by field,
// never re-encoded, so fields nobody here knows survive.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
