import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCALES, isTimeZone, timeZones } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { setOwnPreferences } from '../../repositories/users.ts';

const PREFERENCES_FORM = {
  locale: { label: 'account.language', oneOf: LOCALES },
  time_zone: { label: 'account.time_zone', maxLength: 64, check: (v: string) => (isTimeZone(v) ? null : 'account.time_zone.invalid') },
} as const;

function accountPage(req: FastifyRequest, values: { locale: string; time_zone: string }, errors: FieldError[], status = 200) {
  // No htmx fragment here: a change of language must redraw the whole page, so the form posts as a plain
  // (boosted) form and the full page comes back.
  return page('pages/account/index', { title: req.viewer.t('account.title'), values, errors, timeZones: timeZones() }, { status });
}

export default async function accountRoutes(app: FastifyInstance) {
  app.get('/account', { config: { access: 'user' } }, async (req) => {
    const user = req.viewer.user!;
    return accountPage(req, { locale: user.locale ?? '', time_zone: user.timeZone ?? '' }, []);
  });

  app.post('/account/preferences', { config: { access: 'user' } }, async (req) => {
    const { values, errors } = parseForm(req.body, PREFERENCES_FORM);
    if (errors.length > 0) return accountPage(req, values, errors, 422);
    const locale = values.locale === '' ? null : (values.locale as (typeof LOCALES)[number]);
    await setOwnPreferences(req.db, { locale, timeZone: values.time_zone === '' ? null : values.time_zone });
    // "Use my browser's language" must also forget a choice made earlier in this session.
    req.session.set('locale', locale ?? undefined);
    req.session.set('flash', { key: 'account.saved' });
    return redirect('/account');
  });
}
