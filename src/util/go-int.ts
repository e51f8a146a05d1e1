// strconv.ParseInt(s, 10, 64) for annotation values: optional sign, decimal digits,
// nothing else (no spaces, no "1e3", no "600s").
export function parseGoInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
