import type { Translate } from '../i18n/index.ts';

export type DealFacts = { partner: string; customer: string; value: string; solution: string | null; product: string | null; country: string | null };

/** The built-in suggestion: a short note from the deal's own fields, in the user's language. */
export function builtinNotes(t: Translate, f: DealFacts): string {
  const lines = [t('deal.notes.intro', { partner: f.partner, customer: f.customer, value: f.value })];
  if (f.solution) lines.push(t('deal.notes.solution', { solution: f.solution }));
  if (f.product) lines.push(t('deal.notes.product', { product: f.product }));
  if (f.country) lines.push(t('deal.notes.country', { country: f.country }));
  lines.push(t('deal.notes.next'));
  return lines.join('\n');
}

export type NotesEndpoint = { url: string; key: string; model: string; timeoutMs: number };

/**
 * An external, OpenAI-compatible text generator when one is configured (NOTES_API_URL, NOTES_API_KEY);
 * anything short of a usable answer in time falls back to the built-in suggestion.
 */
export async function suggestNotes(t: Translate, f: DealFacts, endpoint: NotesEndpoint | null, fetchImpl: typeof fetch = fetch): Promise<{ text: string; source: 'builtin' | 'external' }> {
  const builtin = builtinNotes(t, f);
  if (!endpoint) return { text: builtin, source: 'builtin' };
  try {
    const res = await fetchImpl(`${endpoint.url.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.key}` },
      body: JSON.stringify({
        model: endpoint.model,
        max_tokens: 300,
        messages: [
          { role: 'system', content: `Write brief deal notes for a vendor's partner portal, in the language with code "${t.locale}". Plain text, at most six lines, no invented facts.` },
          { role: 'user', content: builtin },
        ],
      }),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    if (!res.ok) return { text: builtin, source: 'builtin' };
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const text = body.choices?.[0]?.message?.content;
    return typeof text === 'string' && text.trim() ? { text: text.trim().slice(0, 5000), source: 'external' } : { text: builtin, source: 'builtin' };
  } catch {
    return { text: builtin, source: 'builtin' };
  }
}
