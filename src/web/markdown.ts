import MarkdownIt from 'markdown-it';

/**
 * Markdown written by staff, rendered on the server. Raw HTML is off (it comes out as text), and links may only
 * be http(s), mailto or relative: script, event-handler, javascript: and style payloads are inert by construction.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
const SAFE_LINK = /^(https?:|mailto:|\/|#)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

export function renderMarkdown(source: string): string {
  return md.render(source);
}
