import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDate, parseForm, type FieldError, type FieldSpec } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { audit } from '../../services/audit.ts';
import { DEFAULT_WEIGHTS, weightsOf, type RoutingWeights } from '../../services/routing.ts';
import { CURRENCIES } from '../opportunities/shared.ts';

const WEIGHT_KEYS = Object.keys(DEFAULT_WEIGHTS) as (keyof RoutingWeights)[];
const number = (min: number, max: number) => (v: string) => (/^-?\d{1,6}(\.\d{1,2})?$/.test(v) && Number(v) >= min && Number(v) <= max ? null : 'settings.number.invalid');

const SETTINGS_FORM: Record<string, FieldSpec> = {
  ...Object.fromEntries(WEIGHT_KEYS.map((k) => [`w_${k}`, { label: `routing.weight.${k}`, required: true, check: number(0, 100) }])),
  accept_hours: { label: 'routing.accept_hours', required: true, check: number(1, 720) },
  stalled_days: { label: 'routing.stalled_days', required: true, check: number(1, 365) },
  overdue_days: { label: 'routing.overdue_days', required: true, check: number(1, 365) },
  exclusivity_days: { label: 'routing.exclusivity_days', required: true, check: number(1, 730) },
  cosell_min_value: { label: 'routing.cosell_min_value', required: true, check: number(0, 100_000_000) },
  cosell_min_currency: { label: 'routing.cosell_min_currency', required: true, check: (v: string) => (CURRENCIES.includes(v) ? null : 'opportunity.currency.invalid') },
};

const RATE_FORM = {
  currency: { label: 'opportunity.currency', required: true, check: (v: string) => (CURRENCIES.includes(v) ? null : 'opportunity.currency.invalid') },
  valid_from: { label: 'rates.valid_from', required: true, check: (v: string) => (isDate(v) ? null : 'form.date') },
  rate: { label: 'rates.rate', required: true, check: (v: string) => (/^\d{1,10}(\.\d{1,10})?$/.test(v) && Number(v) > 0 ? null : 'rates.rate.invalid') },
} as const;

/** Routing weights and thresholds (channel admin), and dated exchange rates (the channel team). */
export default async function opportunitySettingsRoutes(app: FastifyInstance) {
  async function settingsPage(req: FastifyRequest, values?: Record<string, string>, errors: FieldError[] = [], status = 200) {
    const s = await req.db('vendor_settings').where('id', 1).first();
    const w = weightsOf(s.routing_weights);
    const current: Record<string, string> = {
      ...Object.fromEntries(WEIGHT_KEYS.map((k) => [`w_${k}`, String(w[k])])),
      accept_hours: String(s.accept_hours), stalled_days: String(s.stalled_days), overdue_days: String(s.overdue_days), exclusivity_days: String(s.exclusivity_days),
      cosell_min_value: String(Number(s.cosell_min_value)), cosell_min_currency: String(s.cosell_min_currency).trim(),
    };
    return page('pages/admin/routing', { title: req.viewer.t('routing.title'), values: values ?? current, errors, weightKeys: WEIGHT_KEYS, currencies: CURRENCIES }, { status });
  }

  app.get('/admin/routing', { config: { access: 'settings.manage' } }, async (req) => settingsPage(req));

  app.post('/admin/routing', { config: { access: 'settings.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, SETTINGS_FORM);
    if (errors.length) return settingsPage(req, values, errors, 422);
    const weights = Object.fromEntries(WEIGHT_KEYS.map((k) => [k, Number(values[`w_${k}`])]));
    const update = {
      routing_weights: JSON.stringify(weights), accept_hours: Number(values.accept_hours), stalled_days: Number(values.stalled_days), overdue_days: Number(values.overdue_days),
      exclusivity_days: Number(values.exclusivity_days), cosell_min_value: values.cosell_min_value, cosell_min_currency: values.cosell_min_currency,
    };
    await req.db('vendor_settings').where('id', 1).update(update);
    await audit(req, { entityType: 'vendor_settings', entityId: 1, action: 'routing_updated', after: { ...update, routing_weights: weights } });
    req.session.set('flash', { key: 'settings.saved' });
    return redirect('/admin/routing');
  });

  async function ratesPage(req: FastifyRequest, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) {
    const rates = await req.db('exchange_rates').select('currency', 'valid_from', 'rate').orderBy([{ column: 'currency' }, { column: 'valid_from', order: 'desc' }]).limit(500);
    const base = req.viewer.vendor.baseCurrency;
    return page('pages/admin/rates', { title: req.viewer.t('rates.title'), rates, base, values, errors, currencies: CURRENCIES }, { status });
  }

  app.get('/admin/rates', { config: { access: 'opportunities.distribute' } }, async (req) => ratesPage(req));

  app.post('/admin/rates', { config: { access: 'opportunities.distribute' } }, async (req) => {
    const { values, errors } = parseForm(req.body, RATE_FORM);
    if (errors.length) return ratesPage(req, values, errors, 422);
    // A rate for a day that has one already replaces it: values keep the rate stored when they were set.
    await req.db('exchange_rates').insert({ currency: values.currency, valid_from: values.valid_from, rate: values.rate, created_by: req.viewer.user!.id }).onConflict(['currency', 'valid_from']).merge(['rate', 'created_by']);
    await audit(req, { entityType: 'exchange_rate', entityId: `${values.currency}:${values.valid_from}`, action: 'saved', after: { ...values } });
    req.session.set('flash', { key: 'rates.saved', vars: { currency: values.currency } });
    return redirect('/admin/rates');
  });
}
