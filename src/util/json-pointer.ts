/** RFC 6901 escaping of one reference token (label keys contain "/"). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
