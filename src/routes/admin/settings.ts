import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isTimeZone, timeZones } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { getVendorSettings, updateVendorSettings, type VendorSettings } from '../../repositories/vendor.ts';

const CURRENCIES = Intl.supportedValuesOf('currency');

const SETTINGS_FORM = {
  name: { label: 'settings.name', required: true, maxLength: 200 },
  base_currency: { label: 'settings.base_currency', required: true, check: (v: string) => (CURRENCIES.includes(v.toUpperCase()) ? null : 'settings.base_currency.invalid') },
  time_zone: { label: 'settings.time_zone', required: true, maxLength: 64, check: (v: string) => (isTimeZone(v) ? null : 'account.time_zone.invalid') },
  version: { label: 'settings.version', required: true, check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'form.stale') },
} as const;

type Values = { name: string; base_currency: string; time_zone: string; version: string };

function settingsPage(req: FastifyRequest, values: Values, errors: FieldError[], status = 200, conflict?: { current: VendorSettings; changed: string[] }) {
  return page('pages/admin/settings', { title: req.viewer.t('settings.title'), values, errors, conflict, currencies: CURRENCIES, timeZones: timeZones() }, { status });
}

function asValues(s: VendorSettings): Values {
  return { name: s.name, base_currency: s.baseCurrency, time_zone: s.timeZone, version: String(s.version) };
}

export default async function settingsRoutes(app: FastifyInstance) {
  app.get('/admin/settings', { config: { access: 'settings.manage' } }, async (req) => {
    return settingsPage(req, asValues(await getVendorSettings(req.db)), []);
  });

  app.post('/admin/settings', { config: { access: 'settings.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, SETTINGS_FORM);
    if (errors.length > 0) return settingsPage(req, values, errors, 422);
    const saved = await updateVendorSettings(req.db, Number(values.version), {
      name: values.name,
      baseCurrency: values.base_currency.toUpperCase(),
      timeZone: values.time_zone,
    });
    if (!saved) {
      // Someone saved first: show what they changed and keep this user's values to re-apply on top.
      const current = await getVendorSettings(req.db);
      const changed = (['name', 'base_currency', 'time_zone'] as const).filter((k) => asValues(current)[k] !== values[k]);
      return settingsPage(req, { ...values, version: String(current.version) }, [{ field: 'name', key: 'form.stale' }], 409, { current, changed });
    }
    req.session.set('flash', { key: 'settings.saved' });
    return redirect('/admin/settings');
  });
}
