import { describe, expect, it } from 'vitest';
import { builtinNotes, suggestNotes } from '../../src/services/deal-notes.ts';
import { translator } from '../../src/i18n/index.ts';

const facts = { partner: 'Alpha Solutions', customer: 'Adler Logistik', value: '€12,000.00', solution: 'Insight Dashboards', product: 'Lumen Analytics', country: 'Germany' };
const endpoint = { url: 'https://text.example/v1', key: 'k', model: 'm', timeoutMs: 50 };

describe('suggested deal notes', () => {
  it('writes them from the deal\'s own fields in the user\'s language', () => {
    expect(builtinNotes(translator('en'), facts)).toContain('Alpha Solutions brings a deal with Adler Logistik worth €12,000.00.');
    const de = builtinNotes(translator('de'), facts);
    expect(de).toContain('Adler Logistik');
    expect(de).not.toBe(builtinNotes(translator('en'), facts));
  });

  // The external service is outside the machine: a stand-in fetch plays it.
  it('uses the configured text service when it answers, and the built-in text when it fails or is too slow', async () => {
    const answering = (async () => new Response(JSON.stringify({ choices: [{ message: { content: 'From the service' } }] }), { status: 200 })) as typeof fetch;
    expect(await suggestNotes(translator('en'), facts, endpoint, answering)).toEqual({ text: 'From the service', source: 'external' });
    const failing = (async () => new Response('busy', { status: 503 })) as typeof fetch;
    expect((await suggestNotes(translator('en'), facts, endpoint, failing)).source).toBe('builtin');
    const slow = ((_url: string, init: RequestInit) => new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(new Error('aborted'))))) as typeof fetch;
    expect((await suggestNotes(translator('en'), facts, endpoint, slow)).source).toBe('builtin');
    expect((await suggestNotes(translator('en'), facts, null)).source).toBe('builtin');
  });
});
