import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isTimeZone, timeZones } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { getVendorSettings, updateVendorSettings, type VendorSettings } from '../../repositories/vendor.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { audit, changedFields } from '../../services/audit.ts';

const CURRENCIES = Intl.supportedValuesOf('currency');

const SETTINGS_FORM = {
  name: { label: 'settings.name', required: true, maxLength: 200 },
  base_currency: { label: 'settings.base_currency', required: true, check: (v: string) => (CURRENCIES.includes(v.toUpperCase()) ? null : 'settings.base_currency.invalid') },
  time_zone: { label: 'settings.time_zone', required: true, maxLength: 64, check: (v: string) => (isTimeZone(v) ? null : 'account.time_zone.invalid') },
  require_two_factor: { label: 'settings.require_two_factor', oneOf: ['yes'] },
  version: { label: 'settings.version', required: true, check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'form.stale') },
} as const;

type Values = { name: string; base_currency: string; time_zone: string; require_two_factor: string; version: string };

function settingsPage(req: FastifyRequest, values: Values, errors: FieldError[], status = 200, stale?: Conflict) {
  return page('pages/admin/settings', { title: req.viewer.t('settings.title'), values, errors, conflict: stale, currencies: CURRENCIES, timeZones: timeZones() }, { status });
}

const LABELS = { name: 'settings.name', base_currency: 'settings.base_currency', time_zone: 'settings.time_zone', require_two_factor: 'settings.require_two_factor' };

function asValues(s: VendorSettings): Values {
  return { name: s.name, base_currency: s.baseCurrency, time_zone: s.timeZone, require_two_factor: s.requireTwoFactor ? 'yes' : '', version: String(s.version) };
}

export default async function settingsRoutes(app: FastifyInstance) {
  app.get('/admin/settings', { config: { access: 'settings.manage' } }, async (req) => {
    return settingsPage(req, asValues(await getVendorSettings(req.db)), []);
  });

  app.post('/admin/settings', { config: { access: 'settings.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, SETTINGS_FORM);
    if (errors.length > 0) return settingsPage(req, values, errors, 422);
    const before = await getVendorSettings(req.db);
    const next = {
      name: values.name,
      baseCurrency: values.base_currency.toUpperCase(),
      timeZone: values.time_zone,
      requireTwoFactor: values.require_two_factor === 'yes',
    };
    const saved = await updateVendorSettings(req.db, Number(values.version), next);
    if (!saved) {
      // Someone saved first: show what they changed and keep this user's values to re-apply on top.
      // `before` was read in this transaction and the save changed nothing: it is what the other person saved.
      const current = asValues(before);
      return settingsPage(req, { ...values, version: current.version }, [STALE_ERROR('name')], 409, conflict(current, values, LABELS));
    }
    const diff = changedFields({ name: before.name, baseCurrency: before.baseCurrency, timeZone: before.timeZone, requireTwoFactor: before.requireTwoFactor }, next);
    if (diff) await audit(req, { entityType: 'settings', entityId: 'vendor', action: 'updated', ...diff });
    req.session.set('flash', { key: 'settings.saved' });
    return redirect('/admin/settings');
  });
}
