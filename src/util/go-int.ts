// strconv.ParseInt(s, 10, 64) for annotation values: optional sign, decimal digits,
// nothing else (no spaces, no "1e3", no "600s"). Values beyond JavaScript's safe
// range but within int64 are returned rounded: callers only clamp them.
const INT64_MAX = 9223372036854775807n;

export function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  // Up to 15 digits is exact as a double; BigInt is only for the rest.
  if (text.length <= 15) return Number(text) + 0; // + 0: "-0" is 0, as in Go
  const big = BigInt(text);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return undefined;
  return Number(big);
}
