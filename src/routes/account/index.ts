import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCALES, isTimeZone, timeZones } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { setOwnPreferences } from '../../repositories/users.ts';
import { hashPassword, verifyPassword, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGES, PASSWORD_MIN_LENGTH } from '../../services/passwords.ts';
import { audit } from '../../services/audit.ts';
import { endSessionsOfUsers } from '../../plugins/external/session.ts';
import { NOTIFICATION_EVENTS, eventsFor, type Channel } from '../../services/notify.ts';

const PREFERENCES_FORM = {
  locale: { label: 'account.language', oneOf: LOCALES },
  time_zone: { label: 'account.time_zone', maxLength: 64, check: (v: string) => (isTimeZone(v) ? null : 'account.time_zone.invalid') },
} as const;
const NAME_FORM = { name: { label: 'account.name', required: true, maxLength: 200, messages: { required: 'account.name.required' } } } as const;
const PASSWORD_FORM = {
  current_password: { label: 'account.current_password', required: true, raw: true, maxLength: PASSWORD_MAX_LENGTH },
  new_password: { label: 'password.new', required: true, raw: true, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, messages: PASSWORD_MESSAGES },
} as const;


type Values = Record<string, string>;

async function accountPage(req: FastifyRequest, values: Values, errors: FieldError[], status = 200) {
  const user = req.viewer.user!;
  const chosen = new Map<string, Channel>(
    (await req.db('notification_preferences').where('user_id', user.id).select('event_type', 'channel')).map((r: { event_type: string; channel: Channel }) => [r.event_type, r.channel]),
  );
  const notifications = eventsFor(user.kind).map((event) => ({ event, channel: values[`event_${event}`] ?? chosen.get(event) ?? NOTIFICATION_EVENTS[event].defaultChannel }));
  // No htmx fragments here: a change of language must redraw the whole page, so these forms post as plain
  // (boosted) forms and the full page comes back.
  return page(
    'pages/account/index',
    { title: req.viewer.t('account.title'), values: { locale: user.locale ?? '', time_zone: user.timeZone ?? '', name: user.name, ...values }, errors, timeZones: timeZones(), notifications },
    { status },
  );
}

export default async function accountRoutes(app: FastifyInstance) {
  app.get('/account', { config: { access: 'user' } }, async (req) => accountPage(req, {}, []));

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

  app.post('/account/name', { config: { access: 'user' } }, async (req) => {
    const { values, errors } = parseForm(req.body, NAME_FORM);
    if (errors.length) return accountPage(req, values, errors, 422);
    const user = req.viewer.user!;
    await req.db('users').whereRaw('id = app_user_id()').update({ name: values.name, updated_at: req.db.fn.now() });
    await audit(req, { entityType: 'user', entityId: user.id, partnerId: user.partnerId ?? null, action: 'updated', before: { name: user.name }, after: { name: values.name } });
    req.session.set('flash', { key: 'account.saved' });
    return redirect('/account');
  });

  app.post('/account/password', { config: { access: 'user' } }, async (req) => {
    const { values, errors } = parseForm(req.body, PASSWORD_FORM);
    if (!errors.length) {
      const { rows } = await req.db.raw('SELECT own_password_hash() AS hash');
      if (!(await verifyPassword(rows[0].hash, values.current_password))) errors.push({ field: 'current_password', key: 'account.current_password.wrong' });
    }
    if (errors.length) return accountPage(req, {}, errors, 422);
    await req.db.raw('SELECT set_own_password(?)', [await hashPassword(values.new_password)]);
    const user = req.viewer.user!;
    await audit(req, { entityType: 'user', entityId: user.id, partnerId: user.partnerId ?? null, action: 'password_changed' });
    // Anyone else signed in with the old password is signed out; this browser stays signed in.
    req.afterCommit(async () => {
      await endSessionsOfUsers(req.server.database.knex, [user.id], req.session.sessionId);
    });
    req.session.set('flash', { key: 'account.password_changed' });
    return redirect('/account');
  });

  app.post('/account/notifications', { config: { access: 'user' } }, async (req) => {
    const events = eventsFor(req.viewer.user!.kind);
    const form = Object.fromEntries(events.map((e) => [`event_${e}`, { label: `notification.event.${e}`, required: true, oneOf: ['email_portal', 'portal'] }]));
    const { values, errors } = parseForm(req.body, form);
    if (errors.length) return accountPage(req, values, errors, 422);
    const userId = req.viewer.user!.id;
    for (const event of events) {
      await req.db('notification_preferences')
        .insert({ user_id: userId, event_type: event, channel: values[`event_${event}`] })
        .onConflict(['user_id', 'event_type'])
        .merge(['channel']);
    }
    req.session.set('flash', { key: 'account.saved' });
    return redirect('/account');
  });
}
