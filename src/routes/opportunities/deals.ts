import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDate, parseForm, parseList, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { countryName } from '../../i18n/regions.ts';
import { audit } from '../../services/audit.ts';
import { can } from '../../policies/permissions.ts';
import { isTerminal } from '../../policies/opportunity-states.ts';
import { addEvent, findOpportunity, myDistribution, toBase } from '../../services/opportunities.ts';
import { suggestNotes } from '../../services/deal-notes.ts';
import { listProducts } from '../../repositories/products.ts';
import { CURRENCIES, guarded } from './shared.ts';
import { asId, idParam } from '../../web/params.ts';
import { notifyChannelTeam } from './notify.ts';

const DEAL_FORM = {
  topic: { label: 'opportunity.topic', required: true, maxLength: 200, messages: { required: 'opportunity.topic.required' } },
  account_id: { label: 'opportunity.account', required: true, messages: { required: 'opportunity.account.required' } },
  currency: { label: 'opportunity.currency', required: true, check: (v: string) => (CURRENCIES.includes(v) ? null : 'opportunity.currency.invalid') },
  value: { label: 'opportunity.value', required: true, check: (v: string) => (/^\d{1,12}(\.\d{1,2})?$/.test(v) ? null : 'opportunity.value.invalid') },
  close_date: { label: 'opportunity.close_date', check: (v: string) => (isDate(v) ? null : 'form.date') },
  product_id: { label: 'opportunity.product' },
  solution_id: { label: 'deal.solution' },
  need: { label: 'opportunity.need', maxLength: 5000 },
  notes: { label: 'deal.notes', maxLength: 5000 },
  notes_source: { label: 'deal.notes', oneOf: ['builtin', 'external'] },
  action: { label: 'deal.notes', oneOf: ['suggest', 'save'] },
} as const;

const SOLUTION_FORM = {
  name: { label: 'solution.name', required: true, maxLength: 200, messages: { required: 'solution.name.required' } },
  description: { label: 'solution.description', maxLength: 5000 },
} as const;

type Solution = { id: number; name: string; description: string | null; product_ids: number[]; status: string; co_sell_ready: boolean; incentive_eligible: boolean };

/**
 * A partner's own side of the pipeline: its solutions, the deals it brings (Submitted until staff decide),
 * registering a deal for exclusivity, and inviting the vendor to co-sell.
 */
export default async function dealRoutes(app: FastifyInstance) {
  const partnerOf = (req: FastifyRequest) => req.viewer.user!.partnerId!;

  // Solutions ------------------------------------------------------------------------------------------------
  async function solutionsPage(req: FastifyRequest, values: Record<string, string | string[]> = {}, errors: FieldError[] = [], status = 200) {
    const solutions: Solution[] = await req.db('partner_solutions').where('partner_id', partnerOf(req)).orderBy('created_at', 'desc');
    const products = await listProducts(req.db);
    return page('pages/opportunities/solutions', { title: req.viewer.t('solution.title'), solutions, products, productName: Object.fromEntries(products.map((p) => [p.id, p.name])), values, errors }, { status });
  }

  app.get('/company/solutions', { config: { access: 'solutions.manage' } }, async (req) => solutionsPage(req));

  app.post('/company/solutions', { config: { access: 'solutions.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, SOLUTION_FORM);
    const known = new Set((await listProducts(req.db)).map((p) => p.id));
    const productIds = parseList(req.body, 'product_ids', 50).map(Number).filter((n) => known.has(n));
    if (!productIds.length) errors.push({ field: 'product_ids', key: 'solution.products.required' });
    if (errors.length) return solutionsPage(req, { ...values, product_ids: productIds.map(String) }, errors, 422);
    const [row] = await req.db('partner_solutions').insert({ partner_id: partnerOf(req), name: values.name, description: values.description || null, product_ids: productIds }).returning('id');
    await audit(req, { entityType: 'partner_solution', entityId: row.id, partnerId: partnerOf(req), action: 'created', after: { name: values.name, products: productIds } });
    await notifyChannelTeam(req, 'solution.submitted', { partner: req.viewer.user!.partnerName ?? '', name: values.name }, '/admin/review', `solution:${row.id}`);
    req.session.set('flash', { key: 'solution.saved', vars: { name: values.name } });
    return redirect('/company/solutions');
  });

  // New deal -------------------------------------------------------------------------------------------------
  /** Why "New deal" is unavailable, in words, or null when it is available. */
  async function dealBlocker(req: FastifyRequest): Promise<string | null> {
    if (!can(req.viewer.user!, 'deals.create')) return 'deal.blocked.role';
    const ready = await req.db('partner_solutions').where({ partner_id: partnerOf(req), status: 'published', co_sell_ready: true }).first('id');
    return ready ? null : 'deal.blocked.solution';
  }

  async function dealPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[] = [], status = 200, suggestion?: { source: string }) {
    const accounts = await req.db('customer_accounts').where({ partner_id: partnerOf(req), status: 'active' }).select('id', 'name').orderByRaw('lower(name)').limit(2000);
    const solutions = await req.db('partner_solutions').where({ partner_id: partnerOf(req), status: 'published' }).select('id', 'name');
    return page(
      'pages/opportunities/deal-form',
      { title: req.viewer.t('deal.new'), values, errors, accounts, solutions, products: await listProducts(req.db), currencies: CURRENCIES, blocker: await dealBlocker(req), suggestion },
      { status },
    );
  }

  app.get('/opportunities/new', { config: { access: 'opportunities.work' } }, async (req) => {
    return dealPage(req, { currency: req.viewer.vendor.baseCurrency });
  });

  app.post('/opportunities/new', { config: { access: 'deals.create' } }, async (req) => {
    const blocker = await dealBlocker(req);
    if (blocker) throw new HttpError(403, blocker);
    const { values, errors } = parseForm(req.body, DEAL_FORM);
    const account = values.account_id ? await req.db('customer_accounts').where({ id: asId(values.account_id), partner_id: partnerOf(req) }).first('id', 'name', 'country') : undefined;
    if (values.account_id && !account) errors.push({ field: 'account_id', key: 'opportunity.account.required' });
    const solution = values.solution_id ? await req.db('partner_solutions').where({ id: asId(values.solution_id), partner_id: partnerOf(req), status: 'published' }).first('id', 'name') : undefined;
    if (values.solution_id && !solution) errors.push({ field: 'solution_id', key: 'form.one_of' });
    const product = values.product_id ? (await listProducts(req.db)).find((p) => p.id === asId(values.product_id)) : undefined;
    if (values.product_id && !product) errors.push({ field: 'product_id', key: 'form.one_of' });

    if (values.action === 'suggest') {
      // Suggest notes from the deal's own fields; nothing is saved, the form comes back filled in.
      const facts = {
        partner: req.viewer.user!.partnerName ?? '', customer: account?.name ?? '–', solution: solution?.name ?? null, product: product?.name ?? null,
        value: /^\d/.test(values.value) && CURRENCIES.includes(values.currency) ? req.viewer.fmt.money(values.value, values.currency) : values.value || '–',
        country: account?.country ? countryName(account.country, req.viewer.locale) : null,
      };
      const suggested = await suggestNotes(req.viewer.t, facts, req.server.portalConfig.notesApi);
      return dealPage(req, { ...values, notes: suggested.text, notes_source: suggested.source }, [], 200, { source: suggested.source });
    }
    const base = req.viewer.vendor.baseCurrency;
    const today = new Date().toISOString().slice(0, 10);
    let valueBase: number | null = null;
    if (!errors.some((e) => e.field === 'currency' || e.field === 'value')) {
      valueBase = await toBase(req.db, values.currency, Number(values.value), base, today);
      if (valueBase === null) errors.push({ field: 'currency', key: 'opportunity.currency.no_rate', vars: { currency: values.currency } });
    }
    if (errors.length) return dealPage(req, values, errors, 422);
    const [row] = await req.db('opportunities')
      .insert({
        source: 'partner', partner_id: partnerOf(req), state: 'submitted', topic: values.topic, account_id: account!.id, currency: values.currency, value: values.value,
        value_base: valueBase, rate_date: today, close_date: values.close_date || null, product_id: product?.id ?? null, solution_id: solution?.id ?? null,
        need: values.need || null, country: account!.country ?? null, owner_user_id: req.viewer.user!.id, created_by: req.viewer.user!.id,
      })
      .returning('id');
    if (values.notes) await req.db('opportunity_notes').insert({ opportunity_id: row.id, partner_id: partnerOf(req), author_user_id: req.viewer.user!.id, visibility: 'shared', body: values.notes });
    await addEvent(req.db, { opportunityId: row.id, kind: 'submitted', audience: 'shared', partnerId: partnerOf(req), actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'opportunity', entityId: row.id, partnerId: partnerOf(req), action: 'deal_submitted', after: { topic: values.topic, value: values.value, currency: values.currency } });
    await notifyChannelTeam(req, 'deal.submitted', { partner: req.viewer.user!.partnerName ?? '', topic: values.topic }, '/admin/review', `deal:${row.id}`);
    req.session.set('flash', { key: 'deal.submitted', vars: { topic: values.topic } });
    return redirect(`/opportunities/${row.id}`);
  });

  app.post('/opportunities/suggestions/rate', { config: { access: 'deals.create' } }, async (req) => {
    const { values, errors } = parseForm(req.body, { rating: { label: 'deal.notes', required: true, oneOf: ['happy', 'sad'] }, source: { label: 'deal.notes', required: true, oneOf: ['builtin', 'external'] }, suggestion: { label: 'deal.notes', required: true, maxLength: 5000 } });
    if (errors.length) throw new HttpError(422, 'deal.rating.invalid');
    await req.db('note_suggestion_ratings').insert({ partner_id: partnerOf(req), user_id: req.viewer.user!.id, rating: values.rating, source: values.source, suggestion: values.suggestion });
    req.session.set('flash', { key: 'deal.rated' });
    return redirect('/opportunities/new');
  });

  // Registration and co-sell ---------------------------------------------------------------------------------
  /** A deal the partner created, or manages as the accepted lead, still open. */
  async function ownedDeal(req: FastifyRequest) {
    const o = await findOpportunity(req.db, idParam(req));
    if (!o) throw notFound();
    const mine = await myDistribution(req.db, partnerOf(req), o.id);
    const manages = o.partner_id === partnerOf(req) || (mine?.state === 'accepted' && mine.role === 'lead');
    if (!mine && o.partner_id !== partnerOf(req)) throw notFound();
    if (!manages) throw new HttpError(403, 'opportunity.lead_only');
    if (isTerminal(o.state)) throw new HttpError(409, 'opportunity.frozen');
    return o;
  }

  async function registrationOf(req: FastifyRequest, opportunityId: number) {
    return req.db('deal_registrations').where({ opportunity_id: opportunityId, partner_id: partnerOf(req) }).orderBy('id', 'desc').first();
  }

  app.get('/opportunities/:id/register', { config: { access: 'opportunities.work' } }, async (req) => {
    const o = await ownedDeal(req);
    const { rows } = await req.db.raw<{ rows: { registration_conflict: boolean }[] }>('SELECT registration_conflict(?)', [o.id]);
    return page('pages/opportunities/register', { title: req.viewer.t('registration.title', { topic: o.topic }), opportunity: o, conflict: rows[0]!.registration_conflict, registration: await registrationOf(req, o.id), errors: [] });
  });

  app.post('/opportunities/:id/register', { config: { access: 'opportunities.work' } }, async (req) => {
    const o = await ownedDeal(req);
    const current = await registrationOf(req, o.id);
    if (current && ['pending', 'info_requested', 'approved'].includes(current.state)) throw new HttpError(409, 'registration.exists');
    const { rows } = await req.db.raw<{ rows: { registration_conflict: boolean }[] }>('SELECT registration_conflict(?)', [o.id]);
    const solution = o.solution_id ? await req.db('partner_solutions').where({ id: o.solution_id }).first('incentive_eligible') : undefined;
    const [row] = await guarded(() =>
      req.db('deal_registrations')
        .insert({ opportunity_id: o.id, partner_id: partnerOf(req), conflict: rows[0]!.registration_conflict, incentive_eligible: !!solution?.incentive_eligible, requested_by: req.viewer.user!.id })
        .returning('id'),
    );
    await addEvent(req.db, { opportunityId: o.id, kind: 'registration_requested', audience: 'partner', partnerId: partnerOf(req), actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'deal_registration', entityId: row.id, partnerId: partnerOf(req), action: 'requested', after: { opportunity: o.id, conflict: rows[0]!.registration_conflict } });
    await notifyChannelTeam(req, 'registration.requested', { partner: req.viewer.user!.partnerName ?? '', topic: o.topic }, `/admin/registrations/${row.id}`, `registration:${row.id}`);
    req.session.set('flash', { key: 'registration.sent' });
    return redirect(`/opportunities/${o.id}`);
  });

  app.post('/opportunities/:id/register/answer', { config: { access: 'opportunities.work' } }, async (req) => {
    const o = await ownedDeal(req);
    const current = await registrationOf(req, o.id);
    if (!current || current.state !== 'info_requested') throw new HttpError(409, 'registration.not_waiting');
    const { values, errors } = parseForm(req.body, { answer: { label: 'registration.answer', required: true, maxLength: 2000, messages: { required: 'registration.answer.required' } } });
    if (errors.length) {
      return page('pages/opportunities/register', { title: req.viewer.t('registration.title', { topic: o.topic }), opportunity: o, conflict: current.conflict, registration: current, errors, values }, { status: 422 });
    }
    await guarded(() => req.db('deal_registrations').where({ id: current.id, state: 'info_requested' }).update({ state: 'pending', info_answer: values.answer, version: current.version + 1 }));
    await audit(req, { entityType: 'deal_registration', entityId: current.id, partnerId: partnerOf(req), action: 'info_given' });
    await notifyChannelTeam(req, 'registration.requested', { partner: req.viewer.user!.partnerName ?? '', topic: o.topic }, `/admin/registrations/${current.id}`, `registration:${current.id}:answer:${Date.now()}`);
    req.session.set('flash', { key: 'registration.answered' });
    return redirect(`/opportunities/${o.id}`);
  });

  app.get('/opportunities/:id/register/answer', { config: { access: 'opportunities.work' } }, async (req) => {
    const o = await ownedDeal(req);
    return redirect(`/opportunities/${o.id}/register`);
  });

  app.post('/opportunities/:id/cosell', { config: { access: 'opportunities.work' } }, async (req) => {
    const o = await ownedDeal(req);
    if (o.partner_id !== partnerOf(req)) throw new HttpError(403, 'cosell.own_deals');
    const min = await cosellMinimum(req);
    if (Number(o.value_base) < min.base) throw new HttpError(409, 'cosell.below_minimum');
    const { values, errors } = parseForm(req.body, { message: { label: 'cosell.message', maxLength: 2000 } });
    if (errors.length) throw new HttpError(422, 'cosell.message.invalid');
    await guarded(() => req.db('cosell_requests').insert({ opportunity_id: o.id, partner_id: partnerOf(req), message: values.message || null, requested_by: req.viewer.user!.id }).onConflict().ignore());
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: 'cosell_requested' });
    await notifyChannelTeam(req, 'cosell.requested', { partner: req.viewer.user!.partnerName ?? '', topic: o.topic }, '/admin/review', `cosell:${o.id}`);
    req.session.set('flash', { key: 'cosell.sent' });
    return redirect(`/opportunities/${o.id}`);
  });

}

/** The co-sell minimum in the vendor's base currency (converted at today's rate). */
export async function cosellMinimum(req: FastifyRequest): Promise<{ value: number; currency: string; base: number }> {
  const s = await req.db('vendor_settings').where('id', 1).first('cosell_min_value', 'cosell_min_currency');
  const currency = String(s.cosell_min_currency).trim();
  const base = await toBase(req.db, currency, Number(s.cosell_min_value), req.viewer.vendor.baseCurrency, new Date().toISOString().slice(0, 10));
  return { value: Number(s.cosell_min_value), currency, base: base ?? Number(s.cosell_min_value) };
}
