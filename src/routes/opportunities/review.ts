import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { audit } from '../../services/audit.ts';
import { REASONS, opportunityMove } from '../../policies/opportunity-states.ts';
import { addEvent, findOpportunity } from '../../services/opportunities.ts';
import { guarded, reasonErrors, REASON_FORM, refusal } from './shared.ts';
import { idParam } from '../../web/params.ts';
import { notifyPartnerUsers } from './notify.ts';

const access = 'registrations.review' as const;
export const COSELL_REASONS = ['no_customer_record', 'not_managed', 'below_minimum', 'other'] as const;

/** The channel team's queue: partners' deals, deal registrations, co-sell invitations and solutions to review. */
export default async function reviewRoutes(app: FastifyInstance) {
  async function queue(req: FastifyRequest, errors: { field: string; key: string }[] = [], status = 200) {
    const deals = await req.db('opportunities as o').join('partners as p', 'p.id', 'o.partner_id').leftJoin('customer_accounts as a', 'a.id', 'o.account_id')
      .where('o.state', 'submitted').select('o.id', 'o.topic', 'o.value', 'o.currency', 'o.created_at', 'p.name as partner_name', 'a.name as account_name').orderBy('o.created_at');
    const registrations = await req.db('deal_registrations as r').join('opportunities as o', 'o.id', 'r.opportunity_id').join('partners as p', 'p.id', 'r.partner_id')
      .whereIn('r.state', ['pending', 'info_requested']).select('r.id', 'r.state', 'r.conflict', 'r.requested_at', 'o.topic', 'p.name as partner_name').orderBy('r.requested_at');
    const cosell = await req.db('cosell_requests as c').join('opportunities as o', 'o.id', 'c.opportunity_id').join('partners as p', 'p.id', 'c.partner_id')
      .where('c.state', 'pending').select('c.id', 'c.message', 'c.requested_at', 'o.id as opportunity_id', 'o.topic', 'o.value', 'o.currency', 'p.name as partner_name').orderBy('c.requested_at');
    const solutions = await req.db('partner_solutions as s').join('partners as p', 'p.id', 's.partner_id').where('s.status', 'submitted')
      .select('s.id', 's.name', 's.description', 'p.name as partner_name').orderBy('s.created_at');
    const ratings = await req.db('note_suggestion_ratings').select('source', 'rating').count({ n: '*' }).groupBy('source', 'rating');
    return page('pages/opportunities/review', { title: req.viewer.t('review.title'), deals, registrations, cosell, solutions, ratings, reasons: REASONS, cosellReasons: COSELL_REASONS, errors, values: {} }, { status });
  }

  app.get('/admin/review', { config: { access } }, async (req) => queue(req));

  app.post('/admin/review/deals/:id', { config: { access } }, async (req) => {
    const o = await findOpportunity(req.db, idParam(req));
    if (!o || o.source !== 'partner') throw notFound();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const approve = body.decision === 'accept';
    const move = opportunityMove(o.state, approve ? 'approve_deal' : 'reject_deal', 'staff');
    if (!move.ok) throw refusal(move.why, o.state);
    let reason = { reason: '', reason_other: '' };
    if (!approve) {
      const { values, errors } = parseForm(body, REASON_FORM);
      errors.push(...reasonErrors(values));
      if (errors.length) return queue(req, errors.map((e) => ({ ...e, field: `deal-${o.id}-${e.field}` })), 422);
      reason = values;
    }
    const n = await guarded(() =>
      req.db('opportunities').where({ id: o.id, state: 'submitted' }).update({
        state: approve ? 'accepted' : 'rejected', lead_partner_id: approve ? o.partner_id : null, stage: approve ? 'qualify' : null,
        close_reason: approve ? null : reason.reason, close_reason_other: approve ? null : reason.reason_other || null, state_changed_at: req.db.fn.now(), version: o.version + 1,
      }),
    );
    if (n !== 1) throw new HttpError(409, `opportunity.changed.${o.state}`);
    // An accepted deal's partner becomes its lead, with an Accepted distribution of its own.
    if (approve) await req.db('opportunity_distributions').insert({ opportunity_id: o.id, partner_id: o.partner_id, role: 'lead', state: 'accepted', accept_by: req.db.fn.now(), answered_at: req.db.fn.now(), delivered_by: req.viewer.user!.id });
    await addEvent(req.db, { opportunityId: o.id, kind: approve ? 'deal_accepted' : 'deal_rejected', audience: 'shared', partnerId: o.partner_id, actorUserId: req.viewer.user!.id, data: approve ? {} : reason });
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: o.partner_id, action: approve ? 'deal_accepted' : 'deal_rejected', after: approve ? {} : reason });
    await notifyPartnerUsers(req, o.partner_id!, 'deal.decided', { topic: o.topic }, `/opportunities/${o.id}`, `deal:${o.id}:decided`);
    req.session.set('flash', { key: approve ? 'review.deal.accepted' : 'review.deal.rejected', vars: { topic: o.topic } });
    return redirect('/admin/review');
  });

  async function registration(req: FastifyRequest) {
    const r = await req.db('deal_registrations as r').join('partners as p', 'p.id', 'r.partner_id').where('r.id', idParam(req)).select('r.*', 'p.name as partner_name').first();
    if (!r) throw notFound();
    return r;
  }

  async function registrationPage(req: FastifyRequest, errors: { field: string; key: string }[] = [], values: Record<string, string> = {}, status = 200) {
    const r = await registration(req);
    const o = (await findOpportunity(req.db, r.opportunity_id))!;
    const domain = (await req.db('customer_accounts').where('id', o.account_id).first('website_domain'))?.website_domain ?? null;
    // The conflicting records, side by side with the request: same customer domain and product, still open.
    const conflicts = domain
      ? await req.db('opportunities as x').join('customer_accounts as a', 'a.id', 'x.account_id').leftJoin('partners as p', 'p.id', req.db.raw('coalesce(x.lead_partner_id, x.partner_id)'))
          .where('a.website_domain', domain).whereNot('x.id', o.id).where((w) => (o.product_id ? w.where('x.product_id', o.product_id) : w.whereNull('x.product_id')))
          .where((w) => w.whereIn('x.state', ['open', 'distributed', 'accepted', 'submitted']).orWhereExists((e) => e.select(req.db.raw('1')).from('deal_registrations as dr').whereRaw('dr.opportunity_id = x.id').whereIn('dr.state', ['pending', 'info_requested', 'approved'])))
          .select('x.id', 'x.topic', 'x.state', 'x.value', 'x.currency', 'x.close_date', 'a.name as account_name', 'p.name as partner_name')
      : [];
    const days = (await req.db('vendor_settings').where('id', 1).first('exclusivity_days')).exclusivity_days;
    return page('pages/opportunities/registration', { title: req.viewer.t('registration.review_title', { topic: o.topic }), registration: r, opportunity: o, domain, conflicts, days, errors, values }, { status });
  }

  app.get('/admin/registrations/:id', { config: { access } }, async (req) => registrationPage(req));

  app.post('/admin/registrations/:id', { config: { access } }, async (req) => {
    const r = await registration(req);
    const { values, errors } = parseForm(req.body, {
      decision: { label: 'registration.decision', required: true, oneOf: ['approve', 'reject', 'info'], messages: { required: 'registration.decision.required' } },
      note: { label: 'registration.note', maxLength: 2000 },
      version: { label: 'form.version' },
    });
    if ((values.decision === 'reject' || values.decision === 'info') && !values.note) errors.push({ field: 'note', key: 'registration.note.required' });
    if (errors.length) return registrationPage(req, errors, values, 422);
    if (!['pending'].includes(r.state)) throw new HttpError(409, 'registration.not_pending');
    const days = (await req.db('vendor_settings').where('id', 1).first('exclusivity_days')).exclusivity_days;
    const update =
      values.decision === 'approve' ? { state: 'approved', exclusive_until: new Date(Date.now() + days * 86_400_000), decision_note: values.note || null, decided_by: req.viewer.user!.id, decided_at: req.db.fn.now() }
      : values.decision === 'reject' ? { state: 'rejected', decision_note: values.note, decided_by: req.viewer.user!.id, decided_at: req.db.fn.now() }
      : { state: 'info_requested', info_request: values.note };
    const n = await guarded(() => req.db('deal_registrations').where({ id: r.id, state: 'pending', version: Number(values.version) || r.version }).update({ ...update, version: r.version + 1 }));
    if (n !== 1) throw new HttpError(409, 'registration.not_pending');
    await addEvent(req.db, { opportunityId: r.opportunity_id, kind: `registration_${values.decision}`, audience: 'partner', partnerId: r.partner_id, actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'deal_registration', entityId: r.id, partnerId: r.partner_id, action: `decision_${values.decision}`, after: { note: values.note || null } });
    await notifyPartnerUsers(req, r.partner_id, 'registration.decided', { topic: (await findOpportunity(req.db, r.opportunity_id))!.topic }, `/opportunities/${r.opportunity_id}`, `registration:${r.id}:${values.decision}:${r.version}`);
    req.session.set('flash', { key: `review.registration.${values.decision}` });
    return redirect('/admin/review');
  });

  app.post('/admin/review/cosell/:id', { config: { access } }, async (req) => {
    const c = await req.db('cosell_requests').where({ id: idParam(req) }).first();
    if (!c) throw notFound();
    const { values, errors } = parseForm(req.body, {
      decision: { label: 'cosell.decision', required: true, oneOf: ['accept', 'decline'] },
      vendor_contact: { label: 'cosell.vendor_contact', maxLength: 300 },
      reason: { label: 'opportunity.reason', oneOf: COSELL_REASONS },
      reason_other: { label: 'opportunity.reason_other', maxLength: 500 },
    });
    if (values.decision === 'accept' && !values.vendor_contact) errors.push({ field: `cosell-${c.id}-vendor_contact`, key: 'cosell.vendor_contact.required' });
    if (values.decision === 'decline' && !values.reason) errors.push({ field: `cosell-${c.id}-reason`, key: 'opportunity.reason.required' });
    if (values.decision === 'decline' && values.reason === 'other' && !values.reason_other) errors.push({ field: `cosell-${c.id}-reason_other`, key: 'opportunity.reason_other.required' });
    if (errors.length) return queue(req, errors, 422);
    const n = await guarded(() =>
      req.db('cosell_requests').where({ id: c.id, state: 'pending' }).update({
        state: values.decision === 'accept' ? 'accepted' : 'declined', vendor_contact: values.vendor_contact || null, reason: values.decision === 'decline' ? values.reason : null,
        reason_other: values.reason_other || null, decided_by: req.viewer.user!.id, decided_at: req.db.fn.now(),
      }),
    );
    if (n !== 1) throw new HttpError(409, 'cosell.not_pending');
    await addEvent(req.db, { opportunityId: c.opportunity_id, kind: values.decision === 'accept' ? 'cosell_accepted' : 'cosell_declined', audience: 'partner', partnerId: c.partner_id, actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'opportunity', entityId: c.opportunity_id, partnerId: c.partner_id, action: `cosell_${values.decision}` });
    await notifyPartnerUsers(req, c.partner_id, 'cosell.decided', { topic: (await findOpportunity(req.db, c.opportunity_id))!.topic }, `/opportunities/${c.opportunity_id}`, `cosell:${c.id}:decided`);
    return redirect('/admin/review');
  });

  app.post('/admin/review/solutions/:id', { config: { access } }, async (req) => {
    const s = await req.db('partner_solutions').where({ id: idParam(req) }).first();
    if (!s) throw notFound();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const publish = body.decision === 'publish';
    await req.db('partner_solutions').where({ id: s.id }).update({
      status: publish ? 'published' : 'rejected', co_sell_ready: publish && body.co_sell_ready === 'yes', incentive_eligible: publish && body.incentive_eligible === 'yes',
      reviewed_by: req.viewer.user!.id, reviewed_at: req.db.fn.now(), version: s.version + 1,
    });
    await audit(req, { entityType: 'partner_solution', entityId: s.id, partnerId: s.partner_id, action: publish ? 'published' : 'rejected', after: { co_sell_ready: body.co_sell_ready === 'yes', incentive_eligible: body.incentive_eligible === 'yes' } });
    return redirect('/admin/review');
  });
}
