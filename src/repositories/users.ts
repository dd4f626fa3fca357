import type { Knex } from 'knex';
import type { Locale } from '../i18n/index.ts';

/** The signed-in user's own row (app_user_id() comes from the session, never from the request). */
function own(db: Knex.Transaction) {
  return db('users').whereRaw('id = app_user_id()');
}

export async function setOwnLocale(db: Knex.Transaction, locale: Locale): Promise<void> {
  await own(db).update({ locale, updated_at: db.fn.now() });
}

export async function setOwnPreferences(db: Knex.Transaction, prefs: { locale: Locale | null; timeZone: string | null }): Promise<void> {
  await own(db).update({ locale: prefs.locale, time_zone: prefs.timeZone, updated_at: db.fn.now() });
}
