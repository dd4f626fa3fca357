import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCALES } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { getProgramText, saveProgramText, type ProgramText } from '../../repositories/program.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { STALE_ERROR } from '../../web/stale.ts';

const FORM = {
  ...Object.fromEntries(LOCALES.map((l) => [`text_${l}`, { label: `program.text.${l}`, maxLength: 20000 }])),
  version: { label: 'form.version' },
} as Record<string, { label: string; maxLength?: number }>;

function editPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], status = 200) {
  return page('pages/program/edit', { title: req.viewer.t('program.edit'), values, errors, contentLocales: LOCALES }, { status });
}

export default async function programRoutes(app: FastifyInstance) {
  // What the program offers and asks, in the reader's language (English when not written in it).
  app.get('/program', { config: { access: 'public' } }, async (req) => {
    const { text } = await getProgramText(req.db);
    const source = text[req.viewer.locale] || text.en || '';
    return page('pages/program/index', { title: req.viewer.t('program.title'), html: renderMarkdown(source), fallback: !text[req.viewer.locale] && !!text.en });
  });

  app.get('/admin/program', { config: { access: 'settings.manage' } }, async (req) => {
    const { text, version } = await getProgramText(req.db);
    return editPage(req, { ...Object.fromEntries(LOCALES.map((l) => [`text_${l}`, text[l] ?? ''])), version: String(version) }, []);
  });

  app.post('/admin/program', { config: { access: 'settings.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, FORM);
    if (errors.length) return editPage(req, values, errors, 422);
    const before = await getProgramText(req.db);
    const text: ProgramText = {};
    for (const l of LOCALES) if (values[`text_${l}`]) text[l] = values[`text_${l}`];
    if (!(await saveProgramText(req.db, Number(values.version), text))) {
      return editPage(req, { ...values, version: String(before.version) }, [STALE_ERROR('text_en')], 409);
    }
    const diff = changedFields(before.text, text);
    if (diff) await audit(req, { entityType: 'program', entityId: 'program', action: 'updated', ...diff });
    req.session.set('flash', { key: 'program.saved' });
    return redirect('/program');
  });
}
