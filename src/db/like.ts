/**
 * A LIKE pattern that finds `text` anywhere, lower-cased (compare it with a lower-cased column), with `%`, `_`
 * and `\` taken literally: backslash is LIKE's escape character unless a query says otherwise.
 */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
