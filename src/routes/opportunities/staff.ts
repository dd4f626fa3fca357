import { linkedCases } from '../cases/linked.ts';
import { casesForOpportunity } from '../../repositories/cases.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDate, parseForm, parseList, type FieldError } from '../../web/forms.ts';
import { HttpError, download, notFound, page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { countries, countryName } from '../../i18n/regions.ts';
import { audit } from '../../services/audit.ts';
import { toCsv } from '../../web/csv.ts';
import { listProducts } from '../../repositories/products.ts';
import { OPPORTUNITY_STATES, REASONS, isTerminal, type DistributionState } from '../../policies/opportunity-states.ts';
import { can } from '../../policies/permissions.ts';
import {
  addEvent, assertOpportunityMove, close, distribute, distributionsOf, findOpportunity, settle, toBase, withdraw, type LossReason, type Opportunity,
} from '../../services/opportunities.ts';
import { loadCandidates, rankCandidates, weightsOf } from '../../services/routing.ts';
import { CURRENCIES, OPPORTUNITY_FORM, REASON_FORM, badge, checked, dateOnly, guarded, reasonErrors } from './shared.ts';
import { asId, idParam } from '../../web/params.ts';
import { notesOf, timelineOf } from './timeline.ts';
import { notifyPartnerUsers } from './notify.ts';

const access = 'opportunities.distribute' as const;

const LABELS = {
  topic: 'opportunity.topic', currency: 'opportunity.currency', value: 'opportunity.value', close_date: 'opportunity.close_date', offer_until: 'opportunity.offer_until',
  country: 'apply.country', situation: 'opportunity.situation', need: 'opportunity.need', proposed_solution: 'opportunity.proposed_solution',
};

type Settings = { accept_hours: number; stalled_days: number; overdue_days: number; routing_weights: unknown; base_currency: string };

async function settingsOf(req: FastifyRequest): Promise<Settings> {
  const s = await req.db('vendor_settings').where('id', 1).first('accept_hours', 'stalled_days', 'overdue_days', 'routing_weights');
  // The base currency comes with the viewer, already loaded for this request.
  return { ...s, base_currency: req.viewer.vendor.baseCurrency };
}

function valuesOf(o: Opportunity): Record<string, string> {
  return {
    topic: o.topic, account_id: String(o.account_id), contact_id: o.contact_id ? String(o.contact_id) : '', currency: o.currency.trim(), value: String(Number(o.value)),
    close_date: dateOnly(o.close_date), offer_until: dateOnly(o.offer_until), country: o.country ?? '', product_id: o.product_id ? String(o.product_id) : '',
    situation: o.situation ?? '', need: o.need ?? '', proposed_solution: o.proposed_solution ?? '', version: String(o.version),
  };
}


/**
 * The vendor's side: create opportunities on the vendor's own accounts, distribute them by hand or by ranking,
 * withdraw, close, and follow the pipeline.
 */
export default async function staffOpportunityRoutes(app: FastifyInstance) {
  async function formPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], opts: { opportunity?: Opportunity; status?: number; stale?: Conflict } = {}) {
    const accounts = await req.db('customer_accounts').whereNull('partner_id').where('status', 'active').select('id', 'name').orderByRaw('lower(name)');
    const contacts = await req.db('customer_contacts as c').join('customer_account_contacts as l', 'l.contact_id', 'c.id').whereNull('c.partner_id')
      .join('customer_accounts as a', 'a.id', 'l.account_id').select('c.id', 'c.name', 'a.name as account_name').orderByRaw('lower(a.name), lower(c.name)');
    const settings = await settingsOf(req);
    return page(
      'pages/opportunities/form',
      {
        title: req.viewer.t(opts.opportunity ? 'opportunity.edit' : 'opportunity.new'),
        values, errors, opportunity: opts.opportunity, conflict: opts.stale, accounts, contacts,
        products: await listProducts(req.db), countries: countries(req.viewer.locale), currencies: CURRENCIES, baseCurrency: settings.base_currency,
      },
      { status: opts.status ?? 200 },
    );
  }

  /** Checks the form against the vendor's book and converts the value; errors are field errors. */
  async function readForm(req: FastifyRequest) {
    const { values, errors } = parseForm(req.body, OPPORTUNITY_FORM);
    const account = values.account_id ? await req.db('customer_accounts').whereNull('partner_id').where('id', asId(values.account_id)).first('id') : undefined;
    if (values.account_id && !account) errors.push({ field: 'account_id', key: 'opportunity.account.required' });
    if (values.contact_id && account) {
      const linked = await req.db('customer_account_contacts').where({ account_id: account.id, contact_id: asId(values.contact_id) }).first('contact_id');
      if (!linked) errors.push({ field: 'contact_id', key: 'opportunity.contact.invalid' });
    }
    if (values.product_id && !(await req.db('products').where('id', asId(values.product_id)).first('id'))) errors.push({ field: 'product_id', key: 'form.one_of' });
    const settings = await settingsOf(req);
    const today = new Date().toISOString().slice(0, 10);
    let valueBase: number | null = null;
    if (!errors.some((e) => e.field === 'currency' || e.field === 'value')) {
      valueBase = await toBase(req.db, values.currency, Number(values.value), settings.base_currency, today);
      if (valueBase === null) errors.push({ field: 'currency', key: 'opportunity.currency.no_rate', vars: { currency: values.currency } });
    }
    const fields = {
      topic: values.topic, account_id: asId(values.account_id), contact_id: asId(values.contact_id) || null, currency: values.currency,
      value: values.value, value_base: valueBase ?? 0, rate_date: today, close_date: values.close_date || null, offer_until: values.offer_until || null,
      country: values.country || null, product_id: asId(values.product_id) || null, situation: values.situation || null, need: values.need || null,
      proposed_solution: values.proposed_solution || null,
    };
    return { values, errors, fields };
  }

  async function opportunity(req: FastifyRequest): Promise<Opportunity> {
    const o = await findOpportunity(req.db, idParam(req));
    if (!o) throw notFound();
    return o;
  }

  app.get('/admin/opportunities', { config: { access } }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const state = OPPORTUNITY_STATES.includes(q.state as never) ? q.state! : '';
    const partner = asId(q.partner);
    const country = typeof q.country === 'string' && /^[A-Z]{2}$/.test(q.country) ? q.country : '';
    const product = asId(q.product);
    const minValue = /^\d{1,12}(\.\d{1,2})?$/.test(q.min_value ?? '') ? q.min_value! : '';
    const closeBefore = isDate(q.close_before ?? '') ? q.close_before! : '';
    const rows = req.db('opportunities as o')
      .leftJoin('customer_accounts as a', 'a.id', 'o.account_id')
      .leftJoin('partners as p', 'p.id', 'o.lead_partner_id')
      .leftJoin('partners as op', 'op.id', 'o.partner_id')
      .select('o.id', 'o.topic', 'o.state', 'o.stage', 'o.currency', 'o.value', 'o.value_base', 'o.close_date', 'o.country', 'o.state_changed_at', 'o.source', 'a.name as account_name', 'p.name as lead_name', 'op.name as owner_name');
    if (state) rows.where('o.state', state);
    if (partner) rows.where((w) => w.where('o.lead_partner_id', partner).orWhere('o.partner_id', partner));
    if (country) rows.where('o.country', country);
    if (product) rows.where('o.product_id', product);
    if (minValue) rows.where('o.value_base', '>=', minValue);
    if (closeBefore) rows.where('o.close_date', '<=', closeBefore);
    const list = await rows.clone().orderBy('o.state_changed_at', 'desc').orderBy('o.id', 'desc').limit(200);
    const total = await rows.clone().clearSelect().sum({ total: 'o.value_base' }).count({ n: '*' }).first();
    const settings = await settingsOf(req);
    if (q.format === 'csv') {
      const t = req.viewer.t;
      return download(
        toCsv(
          [t('opportunity.topic'), t('opportunity.account'), t('opportunity.lead'), t('opportunity.state'), t('opportunity.currency'), t('opportunity.value'), t('opportunity.value_base', { currency: settings.base_currency }), t('opportunity.close_date')],
          (await rows.clone().orderBy('o.id')).map((r: Record<string, unknown>) => [String(r.topic), String(r.account_name ?? ''), String(r.lead_name ?? r.owner_name ?? ''), String(r.state), String(r.currency).trim(), String(r.value), String(r.value_base), dateOnly(r.close_date)]),
        ),
        'text/csv; charset=utf-8',
        'pipeline.csv',
      );
    }
    const partners = await req.db('partners').where('status', 'active').select('id', 'name').orderByRaw('lower(name)');
    return page('pages/opportunities/pipeline', {
      title: req.viewer.t('opportunity.pipeline'),
      canSettings: can(req.viewer.user!, 'settings.manage'),
      rows: list.map((r: Opportunity & Record<string, unknown>) => ({ ...r, badge: badge(r, settings) })),
      total: Number(total?.total ?? 0), count: Number(total?.n ?? 0), baseCurrency: settings.base_currency,
      filters: { state, partner: partner ? String(partner) : '', country, product: product ? String(product) : '', minValue, closeBefore },
      states: OPPORTUNITY_STATES, partners, products: await listProducts(req.db), countries: countries(req.viewer.locale),
      csvUrl: `/admin/opportunities?${new URLSearchParams({ ...(state ? { state } : {}), ...(partner ? { partner: String(partner) } : {}), ...(country ? { country } : {}), ...(product ? { product: String(product) } : {}), ...(minValue ? { min_value: minValue } : {}), ...(closeBefore ? { close_before: closeBefore } : {}), format: 'csv' })}`,
    });
  });

  // How each partner handles what it is offered, and what it wins.
  app.get('/admin/performance', { config: { access } }, async (req) => {
    const { rows } = await req.db.raw<{ rows: Record<string, string | number | null>[] }>(
      `SELECT p.id, p.name,
              count(d.id) AS delivered,
              count(d.id) FILTER (WHERE d.answered_at IS NOT NULL AND d.state <> 'declined') AS accepted,
              count(d.id) FILTER (WHERE d.state = 'declined') AS declined,
              count(d.id) FILTER (WHERE d.state = 'expired') AS expired,
              count(d.id) FILTER (WHERE d.state = 'returned') AS returned,
              count(d.id) FILTER (WHERE d.answered_at IS NOT NULL) AS answered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.answered_at - d.delivered_at) / 3600) FILTER (WHERE d.answered_at IS NOT NULL) AS median_hours,
              (SELECT count(*) FROM opportunities o WHERE o.lead_partner_id = p.id AND o.state = 'won') AS won,
              (SELECT count(*) FROM opportunities o WHERE o.lead_partner_id = p.id AND o.state = 'lost') AS lost,
              (SELECT coalesce(sum(o.value_base), 0) FROM opportunities o WHERE o.lead_partner_id = p.id AND o.state = 'won') AS won_revenue
         FROM partners p
         LEFT JOIN opportunity_distributions d ON d.partner_id = p.id AND EXISTS (SELECT 1 FROM opportunities o WHERE o.id = d.opportunity_id AND o.source = 'vendor')
        WHERE p.status = 'active'
        GROUP BY p.id, p.name
        ORDER BY won_revenue DESC, lower(p.name), p.id
        LIMIT 500`,
    );
    const settings = await settingsOf(req);
    return page('pages/opportunities/performance', {
      title: req.viewer.t('performance.title'),
      baseCurrency: settings.base_currency,
      rows: rows.map((r) => {
        const delivered = Number(r.delivered);
        const closed = Number(r.won) + Number(r.lost);
        return {
          ...r,
          touchRate: delivered ? Math.round((Number(r.answered) / delivered) * 100) : null,
          winRate: closed ? Math.round((Number(r.won) / closed) * 100) : null,
          medianHours: r.median_hours === null ? null : Math.round(Number(r.median_hours) * 10) / 10,
        };
      }),
    });
  });

  app.get('/admin/opportunities/new', { config: { access } }, async (req) => {
    const account = Number((req.query as Record<string, string>).account) || '';
    const settings = await settingsOf(req);
    return formPage(req, { account_id: account ? String(account) : '', currency: settings.base_currency }, []);
  });

  app.post('/admin/opportunities/new', { config: { access } }, async (req) => {
    const { values, errors, fields } = await readForm(req);
    if (errors.length) return formPage(req, values, errors, { status: 422 });
    const [row] = await req.db('opportunities').insert({ ...fields, source: 'vendor', state: 'open', created_by: req.viewer.user!.id }).returning('id');
    await addEvent(req.db, { opportunityId: row.id, kind: 'created', audience: 'staff', actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'opportunity', entityId: row.id, action: 'created', after: { ...fields } });
    req.session.set('flash', { key: 'opportunity.saved', vars: { topic: fields.topic } });
    return redirect(`/admin/opportunities/${row.id}`);
  });

  async function detailPage(req: FastifyRequest, o: Opportunity, errors: FieldError[] = [], values: Record<string, unknown> = {}, status = 200) {
    const settings = await settingsOf(req);
    const distributions = await distributionsOf(req.db, o.id);
    const terminal = isTerminal(o.state);
    const ranking = terminal || o.state === 'submitted' ? [] : rankCandidates(await loadCandidates(req.db, o.id), { country: o.country, productId: o.product_id }, weightsOf(settings.routing_weights));
    const partners = await req.db('partners').where('status', 'active').select('id', 'name').orderByRaw('lower(name)');
    return page(
      'pages/opportunities/staff-show',
      {
        title: o.topic,
        opportunity: o,
        terminal,
        country: countryName(o.country, req.viewer.locale),
        distributions,
        hasLead: distributions.some((d) => d.role === 'lead' && (d.state === 'delivered' || d.state === 'accepted')),
        ranking,
        partners,
        acceptHours: settings.accept_hours,
        badge: badge(o, settings),
        timeline: await timelineOf(req.db, o.id),
        notes: await notesOf(req.db, o.id),
        ...(await linkedCases(req, (db) => casesForOpportunity(db, o.id))),
        reasons: REASONS,
        errors,
        values,
      },
      { status },
    );
  }

  app.get('/admin/opportunities/:id', { config: { access } }, async (req) => detailPage(req, await opportunity(req)));

  app.get('/admin/opportunities/:id/edit', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    if (isTerminal(o.state)) throw new HttpError(409, 'opportunity.frozen');
    return formPage(req, valuesOf(o), [], { opportunity: o });
  });

  app.post('/admin/opportunities/:id/edit', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    checked(() => assertOpportunityMove(o, 'edit', 'staff'));
    const { values, errors, fields } = await readForm(req);
    if (errors.length) return formPage(req, values, errors, { opportunity: o, status: 422 });
    // The stored base value changes only when the value or currency does, at that day's rate.
    const keepBase = Number(o.value) === Number(fields.value) && o.currency.trim() === fields.currency;
    const update = keepBase ? { ...fields, value_base: o.value_base, rate_date: dateOnly(o.rate_date) } : fields;
    const n = await guarded(() => req.db('opportunities').where({ id: o.id, version: Number(values.version) }).update({ ...update, version: o.version + 1, updated_at: req.db.fn.now() }));
    if (n !== 1) {
      const current = valuesOf(o);
      return formPage(req, { ...values, version: current.version! }, [STALE_ERROR('topic')], { opportunity: o, status: 409, stale: conflict(current, values, LABELS) });
    }
    await addEvent(req.db, { opportunityId: o.id, kind: 'edited', audience: 'shared', actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: 'updated', after: { ...update } });
    req.session.set('flash', { key: 'opportunity.saved', vars: { topic: fields.topic } });
    return redirect(`/admin/opportunities/${o.id}`);
  });

  app.post('/admin/opportunities/:id/distribute', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { values, errors } = parseForm(body, { lead: { label: 'opportunity.lead' }, accept_hours: { label: 'opportunity.accept_hours', required: true, check: (v: string) => (/^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 720 ? null : 'opportunity.accept_hours.invalid') } });
    const collaborators = parseList(body, 'collaborators', 50).map(asId).filter((n) => n > 0);
    const active = new Set((await req.db('partners').where('status', 'active').select('id')).map((p: { id: number }) => p.id));
    const lead = asId(values.lead) || null;
    if (lead && !active.has(lead)) errors.push({ field: 'lead', key: 'two_tier.partner.invalid' });
    if (collaborators.some((c) => !active.has(c))) errors.push({ field: 'collaborators', key: 'two_tier.partner.invalid' });
    if (!lead && collaborators.length === 0) errors.push({ field: 'lead', key: 'opportunity.distribute.none' });
    const live = (await distributionsOf(req.db, o.id)).filter((d) => d.state === 'delivered' || d.state === 'accepted');
    if (lead && live.some((d) => d.role === 'lead')) errors.push({ field: 'lead', key: 'opportunity.distribute.has_lead' });
    if ([lead, ...collaborators].some((p) => p && live.some((d) => d.partner_id === p))) errors.push({ field: 'collaborators', key: 'opportunity.distribute.already' });
    if (errors.length) return detailPage(req, o, errors, { ...values, collaborators: collaborators.map(String) }, 422);
    const acceptBy = new Date(Date.now() + Number(values.accept_hours) * 3_600_000);
    const inserted = await guarded(() => distribute(req.db, { opportunity: o, leadId: lead, collaboratorIds: collaborators, acceptBy, userId: req.viewer.user!.id, routed: 'hand' }));
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: 'distributed', after: { lead, collaborators, accept_by: acceptBy.toISOString() } });
    for (const d of inserted) await notifyPartnerUsers(req, d.partner_id, 'opportunity.distributed', { topic: o.topic }, `/opportunities/${o.id}`, `opportunity:${o.id}:distribution:${d.id}`);
    req.session.set('flash', { key: 'opportunity.distributed_flash', vars: { count: inserted.length } });
    return redirect(`/admin/opportunities/${o.id}`);
  });

  // Distribute to the top-ranked partner, recording the explanation with the distribution.
  app.post('/admin/opportunities/:id/route', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    const settings = await settingsOf(req);
    const live = (await distributionsOf(req.db, o.id)).filter((d) => d.state === 'delivered' || d.state === 'accepted');
    if (live.some((d) => d.role === 'lead')) throw new HttpError(409, 'opportunity.distribute.has_lead');
    const [best] = rankCandidates(await loadCandidates(req.db, o.id), { country: o.country, productId: o.product_id }, weightsOf(settings.routing_weights));
    if (!best) throw new HttpError(409, 'opportunity.route.no_candidate');
    const acceptBy = new Date(Date.now() + settings.accept_hours * 3_600_000);
    const [d] = await guarded(() => distribute(req.db, { opportunity: o, leadId: best.partnerId, collaboratorIds: [], acceptBy, userId: req.viewer.user!.id, routed: 'auto', explanation: best }));
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: 'routed', after: { partner: best.partnerId, score: best.score } });
    await notifyPartnerUsers(req, best.partnerId, 'opportunity.distributed', { topic: o.topic }, `/opportunities/${o.id}`, `opportunity:${o.id}:distribution:${d!.id}`);
    req.session.set('flash', { key: 'opportunity.routed', vars: { partner: best.name } });
    return redirect(`/admin/opportunities/${o.id}`);
  });

  app.post('/admin/opportunities/:id/auto-routing', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    if (isTerminal(o.state)) throw new HttpError(409, 'opportunity.frozen');
    const on = (req.body as Record<string, unknown> | undefined)?.auto_routing === 'on';
    await guarded(() => req.db('opportunities').where({ id: o.id }).update({ auto_routing: on, version: o.version + 1 }));
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: on ? 'auto_routing_on' : 'auto_routing_off' });
    // Switching it on for an opportunity without a lead routes it at once.
    if (on) await settle(req.db, o.id, new Date(Date.now() + (await settingsOf(req)).accept_hours * 3_600_000));
    return redirect(`/admin/opportunities/${o.id}`);
  });

  app.post('/admin/opportunities/:id/distributions/:did/withdraw', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    const d = (await distributionsOf(req.db, o.id)).find((x) => x.id === idParam(req, 'did'));
    if (!d) throw notFound();
    const expected = String((req.body as Record<string, unknown> | undefined)?.expected ?? d.state) as DistributionState;
    await guarded(() => withdraw(req.db, d, expected, req.viewer.user!.id));
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: 'withdrawn', after: { partner: d.partner_id, distribution: d.id } });
    const hours = (await settingsOf(req)).accept_hours;
    await guarded(() => settle(req.db, o.id, new Date(Date.now() + hours * 3_600_000)));
    req.session.set('flash', { key: 'opportunity.withdrawn_flash', vars: { partner: d.partner_name ?? '' } });
    return redirect(`/admin/opportunities/${o.id}`);
  });

  app.post('/admin/opportunities/:id/close', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const won = body.outcome === 'won';
    // The state is checked before the form, so a closed opportunity is a 409, not a reason to fill in.
    checked(() => assertOpportunityMove(o, won ? 'win' : 'lose', 'staff'));
    let loss: LossReason = { reason: '', reason_other: '' };
    if (!won) {
      const { values, errors } = parseForm(body, REASON_FORM);
      errors.push(...reasonErrors(values));
      if (errors.length) return detailPage(req, o, errors.map((e) => ({ ...e, field: `lose-${e.field}` })), values, 422);
      loss = values;
    }
    await guarded(() => close(req.db, o, won ? { won } : { won, loss }, { actor: 'staff', userId: req.viewer.user!.id }));
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: won ? 'won' : 'lost', after: won ? {} : loss });
    return redirect(`/admin/opportunities/${o.id}`);
  });

  app.post('/admin/opportunities/:id/notes', { config: { access } }, async (req) => {
    const o = await opportunity(req);
    const { values, errors } = parseForm(req.body, { body: { label: 'opportunity.note', required: true, maxLength: 5000 }, visibility: { label: 'opportunity.note.visibility', required: true, oneOf: ['company', 'shared'] } });
    if (errors.length) return detailPage(req, o, errors, values, 422);
    await req.db('opportunity_notes').insert({ opportunity_id: o.id, partner_id: null, author_user_id: req.viewer.user!.id, visibility: values.visibility, body: values.body });
    await audit(req, { entityType: 'opportunity', entityId: o.id, action: 'note_added', after: { visibility: values.visibility }, visibility: values.visibility === 'company' ? 'staff' : 'company' });
    return redirect(`/admin/opportunities/${o.id}#notes`);
  });
}
