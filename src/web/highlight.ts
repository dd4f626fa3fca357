const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * A search headline as HTML: the text is escaped first, then only the sentinels the query asked ts_headline to
 * put around matches become <mark>, so nothing a user wrote turns into markup.
 */
export function markMatches(headline: string, start: string, stop: string): string {
  return escapeHtml(headline).replaceAll(start, '<mark>').replaceAll(stop, '</mark>');
}
