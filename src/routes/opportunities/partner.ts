import { linkedCases } from '../cases/linked.ts';
import { casesForOpportunity } from '../../repositories/cases.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDate, parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, download, notFound, page, redirect } from '../../web/results.ts';
import { toCsv } from '../../web/csv.ts';
import { countryName } from '../../i18n/regions.ts';
import { audit } from '../../services/audit.ts';
import { can } from '../../policies/permissions.ts';
import { OPPORTUNITY_STATES, REASONS, STAGES, isTerminal, opportunityMove, type OpportunityState, type Stage } from '../../policies/opportunity-states.ts';
import { addEvent, answer, close, findOpportunity, myDistribution, settle, StateError, toBase, type Distribution, type LossReason, type Opportunity } from '../../services/opportunities.ts';
import { inContext } from '../../db/scope.ts';
import { notifyPartners } from '../../jobs/clock.ts';
import { CURRENCIES, REASON_FORM, badge, dateOnly, guarded, reasonErrors, refusal } from './shared.ts';
import { asId, idParam } from '../../web/params.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { notesOf, timelineOf } from './timeline.ts';
import { notifyChannelTeam } from './notify.ts';
import { cosellMinimum } from './deals.ts';
import { containsPattern } from '../../db/like.ts';

const access = 'opportunities.work' as const;

/** How much of an opportunity a partner sees: the summary to decide on, everything while it works it, or its history. */
export type View = 'summary' | 'full' | 'history';

export function viewOf(o: Opportunity, mine: Distribution | undefined, partnerId: number): View | null {
  if (o.partner_id === partnerId) return 'full';
  if (!mine) return null;
  if (mine.state === 'accepted') return 'full';
  if (mine.state === 'delivered') return isTerminal(o.state) ? 'history' : 'summary';
  return 'history';
}

type Row = {
  id: number; topic: string; state: string; stage: string | null; currency: string; value: string; value_base: string; close_date: string | null; country: string | null;
  account_name: string | null; need: string | null; owner_user_id: number | null; state_changed_at: Date; partner_id: number | null; lead_partner_id: number | null;
  d_id: number | null; d_state: string | null; d_role: string | null; accept_by: Date | null; collaborators: number;
};

/** Re-routes (or reopens) an opportunity whose lead just stepped away; as staff, once the partner's change is committed. */
function settleAfterCommit(req: FastifyRequest, opportunityId: number) {
  const knex = req.server.database.knex;
  req.afterCommit(async () => {
    await inContext(knex, { context: 'staff' }, async (db) => {
      const s = await db('vendor_settings').where('id', 1).first('accept_hours');
      await settle(db, opportunityId, new Date(Date.now() + Number(s.accept_hours) * 3_600_000));
    });
  });
}

/** The dashboard figures, in the vendor's base currency, counting only what this partner may see (its own work). */
async function partnerStats(req: FastifyRequest) {
  const partnerId = req.viewer.user!.partnerId!;
  const { rows } = await req.db.raw<{ rows: Record<string, string | null>[] }>(
    `SELECT
       coalesce(sum(o.value_base) FILTER (WHERE o.state = 'won' AND o.lead_partner_id = ? AND date_trunc('year', o.state_changed_at) = date_trunc('year', now())), 0) AS won_this_year,
       coalesce(sum(o.value_base) FILTER (WHERE o.state = 'accepted' AND o.lead_partner_id = ?), 0) AS pipeline,
       count(*) FILTER (WHERE o.state = 'won' AND o.lead_partner_id = ?) AS won,
       count(*) FILTER (WHERE o.state = 'lost' AND o.lead_partner_id = ?) AS lost
     FROM opportunities o
     WHERE o.lead_partner_id = ?`,
    [partnerId, partnerId, partnerId, partnerId, partnerId],
  );
  const { rows: answer } = await req.db.raw<{ rows: { hours: string | null }[] }>(
    // Answers to what the vendor offered; a partner's own accepted deal has nothing to answer.
    `SELECT avg(extract(epoch FROM d.answered_at - d.delivered_at) / 3600) AS hours
       FROM opportunity_distributions d JOIN opportunities o ON o.id = d.opportunity_id AND o.source = 'vendor'
      WHERE d.partner_id = ? AND d.answered_at IS NOT NULL`,
    [partnerId],
  );
  const r = rows[0]!;
  const closed = Number(r.won) + Number(r.lost);
  return {
    wonThisYear: Number(r.won_this_year), pipeline: Number(r.pipeline), winRate: closed ? Math.round((Number(r.won) / closed) * 100) : null,
    responseHours: answer[0]?.hours === null || answer[0]?.hours === undefined ? null : Math.round(Number(answer[0].hours) * 10) / 10,
  };
}

const PAGE = 50;
type Cursor = [string | number, number];
type Sort = 'deadline' | 'recent' | 'close' | 'value';

/** Each sort is a keyset: the cursor carries the last row's sort value and id, so a page costs the same at any depth. */
const SORTS: Record<Sort, { expr: string; dir: 'ASC' | 'DESC'; cmp: '>' | '<'; value: (r: Row) => string | number }> = {
  deadline: { expr: "coalesce(md.accept_by, 'infinity'::timestamptz)", dir: 'ASC', cmp: '>', value: (r) => (r.accept_by ? new Date(r.accept_by).toISOString() : 'infinity') },
  recent: { expr: 'o.state_changed_at', dir: 'DESC', cmp: '<', value: (r) => new Date(r.state_changed_at).toISOString() },
  close: { expr: "coalesce(o.close_date, '9999-12-31'::date)", dir: 'ASC', cmp: '>', value: (r) => dateOnly(r.close_date) || '9999-12-31' },
  value: { expr: 'o.value_base', dir: 'DESC', cmp: '<', value: (r) => String(r.value_base) },
};

function encodeCursor(value: string | number, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(raw: unknown): Cursor | null {
  if (typeof raw !== 'string' || raw.length > 200) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return Array.isArray(v) && (typeof v[0] === 'string' || typeof v[0] === 'number') && Number.isSafeInteger(v[1]) ? [v[0], v[1]] : null;
  } catch {
    return null;
  }
}

export default async function partnerOpportunityRoutes(app: FastifyInstance) {
  const partnerOf = (req: FastifyRequest) => req.viewer.user!.partnerId!;

  type Filter = { view: string; mine: boolean; stage: string; state?: string; q: string; closeBefore: string; owner: number; sort: Sort; id?: number };

  /** The partner's opportunities in a view, filtered: what the list pages through and its tabs count. */
  function scope(req: FastifyRequest, filter: Filter) {
    const partnerId = partnerOf(req);
    const q = req.db('opportunities as o')
      .leftJoin('customer_accounts as a', 'a.id', 'o.account_id')
      .leftJoin(
        req.db.raw(
          `LATERAL (SELECT d.id AS d_id, d.state AS d_state, d.role AS d_role, d.accept_by FROM opportunity_distributions d
                     WHERE d.opportunity_id = o.id AND d.partner_id = ?
                     ORDER BY CASE WHEN d.state IN ('delivered', 'accepted') THEN 0 ELSE 1 END, d.delivered_at DESC, d.id DESC LIMIT 1) md`,
          [partnerId],
        ),
        req.db.raw('true'),
      );
    if (filter.id) q.where('o.id', filter.id);
    else if (filter.view === 'awaiting') q.where('md.d_state', 'delivered').whereNotIn('o.state', ['won', 'lost', 'rejected', 'expired']);
    else if (filter.view === 'managed') q.where((w) => w.where('md.d_state', 'accepted').orWhere((x) => x.where('o.partner_id', partnerId).whereIn('o.state', ['submitted', 'accepted', 'distributed', 'open']))).whereNotIn('o.state', ['won', 'lost', 'rejected', 'expired']);
    else if (filter.view === 'history') q.where((w) => w.whereIn('o.state', ['won', 'lost', 'rejected', 'expired']).orWhereIn('md.d_state', ['declined', 'expired', 'withdrawn', 'returned']));
    if (filter.mine) q.where('o.owner_user_id', req.viewer.user!.id);
    if (filter.owner) q.where('o.owner_user_id', filter.owner);
    if (filter.stage) q.where('o.stage', filter.stage);
    if (filter.state) q.where('o.state', filter.state);
    if (filter.q) q.whereRaw(`lower(a.name) LIKE ? ESCAPE '\\'`, [containsPattern(filter.q)]);
    if (filter.closeBefore) q.where('o.close_date', '<=', filter.closeBefore);
    return q;
  }

  async function rows(req: FastifyRequest, filter: Filter, after: Cursor | null = null, limit = PAGE): Promise<Row[]> {
    const q = scope(req, filter)
      .select('o.id', 'o.topic', 'o.state', 'o.stage', 'o.currency', 'o.value', 'o.value_base', 'o.close_date', 'o.country', 'o.need', 'o.owner_user_id', 'o.state_changed_at', 'o.partner_id', 'o.lead_partner_id', 'a.name as account_name', 'md.*')
      .select(req.db.raw(`(SELECT count(*) FROM opportunity_partners(o.id) x WHERE x.partner_id <> ?)::int AS collaborators`, [partnerOf(req)]));
    const order = SORTS[filter.sort];
    if (after) q.whereRaw(`(${order.expr}, o.id) ${order.cmp} (?, ?)`, after);
    return q.orderByRaw(`${order.expr} ${order.dir}, o.id ${order.dir}`).limit(limit);
  }

  function readFilter(req: FastifyRequest): Filter {
    const q = req.query as Record<string, string | undefined>;
    const view = ['awaiting', 'managed', 'history'].includes(q.view ?? '') ? q.view! : 'awaiting';
    const sort = (Object.keys(SORTS) as Sort[]).includes(q.sort as Sort) && (q.sort !== 'deadline' || view === 'awaiting') ? (q.sort as Sort) : view === 'awaiting' ? 'deadline' : 'recent';
    return {
      view, sort, mine: q.mine === 'yes', stage: STAGES.includes(q.stage as Stage) ? q.stage! : '', state: OPPORTUNITY_STATES.includes(q.state as OpportunityState) ? q.state! : '', q: typeof q.q === 'string' ? q.q.trim().slice(0, 100) : '',
      closeBefore: typeof q.close_before === 'string' && isDate(q.close_before) ? q.close_before : '', owner: asId(q.owner),
    };
  }

  function query(filter: Filter, extra: Record<string, string> = {}): string {
    const p = new URLSearchParams({ view: filter.view, sort: filter.sort });
    if (filter.mine) p.set('mine', 'yes');
    if (filter.stage) p.set('stage', filter.stage);
    if (filter.state) p.set('state', filter.state);
    if (filter.q) p.set('q', filter.q);
    if (filter.closeBefore) p.set('close_before', filter.closeBefore);
    if (filter.owner) p.set('owner', String(filter.owner));
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return `?${p}`;
  }

  app.get('/opportunities/export.csv', { config: { access } }, async (req) => {
    const filter = readFilter(req);
    const list = await rows(req, filter, null, 10_000);
    const t = req.viewer.t;
    return download(
      toCsv(
        [t('opportunity.topic'), t('opportunity.account'), t('opportunity.state'), t('opportunity.stage'), t('opportunity.currency'), t('opportunity.value'), t('opportunity.close_date'), t('opportunity.accept_by')],
        list.map((r) => [r.topic, r.account_name ?? '', t(`opportunity.state.${r.state}`), r.stage ? t(`opportunity.stage.${r.stage}`) : '', String(r.currency).trim(), String(r.value), dateOnly(r.close_date), r.d_state === 'delivered' && r.accept_by ? new Date(r.accept_by).toISOString() : '']),
      ),
      'text/csv; charset=utf-8',
      'opportunities.csv',
    );
  });

  app.get('/opportunities', { config: { access } }, async (req) => {
    const filter = readFilter(req);
    const after = decodeCursor((req.query as Record<string, unknown>).after);
    const settings = await req.db('vendor_settings').where('id', 1).first('stalled_days', 'overdue_days');
    const found = await rows(req, filter, after, PAGE + 1);
    const list = found.slice(0, PAGE);
    const last = list[list.length - 1];
    const count = async (view: string) => Number((await scope(req, { view, sort: 'recent', q: '', closeBefore: '', owner: 0, mine: false, stage: '' }).count({ n: '*' }).first())?.n ?? 0);
    const colleagues = await req.db('users').where({ partner_id: partnerOf(req), status: 'active' }).select('id', 'name').orderByRaw('lower(name)');
    return page(
      'pages/opportunities/partner-list',
      {
        title: req.viewer.t('opportunity.partner_title'),
        view: filter.view, filter, stages: STAGES, states: OPPORTUNITY_STATES, reasons: REASONS, stats: await partnerStats(req), colleagues,
        sorts: (Object.keys(SORTS) as Sort[]).filter((k) => k !== 'deadline' || filter.view === 'awaiting'),
        rows: list.map((r) => ({ ...r, badge: badge(r, settings), countryName: countryName(r.country, req.viewer.locale) })),
        counts: { awaiting: await count('awaiting'), managed: await count('managed') },
        nextUrl: found.length > PAGE && last ? `/opportunities${query(filter, { after: encodeCursor(SORTS[filter.sort].value(last), last.id) })}` : null,
        firstUrl: after ? `/opportunities${query(filter)}` : null,
        exportUrl: `/opportunities/export.csv${query(filter)}`,
        baseCurrency: req.viewer.vendor.baseCurrency,
      },
      { partial: 'partials/opportunities/partner-rows' },
    );
  });

  /** One row of the list, as a page of its own or (for htmx) the row that replaces the old one. */
  async function rowPage(req: FastifyRequest, errors: FieldError[] = [], status = 200) {
    const settings = await req.db('vendor_settings').where('id', 1).first('stalled_days', 'overdue_days');
    const [row] = await rows(req, { view: 'any', mine: false, stage: '', q: '', closeBefore: '', owner: 0, sort: 'recent', id: idParam(req) });
    if (!row) throw notFound();
    return page(
      'pages/opportunities/partner-row-page',
      { title: row.topic, row: { ...row, badge: badge(row, settings) }, reasons: REASONS, errors },
      { status, partial: 'partials/opportunities/partner-row' },
    );
  }

  app.get('/opportunities/:id/row', { config: { access } }, async (req) => {
    await visible(req);
    return rowPage(req);
  });

  async function visible(req: FastifyRequest) {
    const o = await findOpportunity(req.db, idParam(req));
    if (!o) throw notFound();
    const mine = await myDistribution(req.db, partnerOf(req), o.id);
    const view = viewOf(o, mine, partnerOf(req));
    if (!view) throw notFound();
    return { o, mine, view };
  }

  async function detailPage(req: FastifyRequest, errors: FieldError[] = [], values: Record<string, string> = {}, status = 200) {
    const { o, mine, view } = await visible(req);
    const isLead = o.lead_partner_id === partnerOf(req) && mine?.state === 'accepted' && mine.role === 'lead';
    const full = view === 'full';
    const colleagues = full && can(req.viewer.user!, 'opportunities.assign')
      ? await req.db('users').where({ partner_id: partnerOf(req), status: 'active' }).select('id', 'name').orderByRaw('lower(name)')
      : [];
    const manages = !isTerminal(o.state) && (o.partner_id === partnerOf(req) || isLead);
    const registration = await req.db('deal_registrations').where({ opportunity_id: o.id, partner_id: partnerOf(req) }).orderBy('id', 'desc').first();
    const cosell = await req.db('cosell_requests').where({ opportunity_id: o.id, partner_id: partnerOf(req) }).orderBy('id', 'desc').first();
    const minimum = o.partner_id === partnerOf(req) ? await cosellMinimum(req) : null;
    const partners = full ? (await req.db.raw<{ rows: { partner_id: number; name: string; role: string; state: string }[] }>('SELECT * FROM opportunity_partners(?)', [o.id])).rows : [];
    return page(
      'pages/opportunities/partner-show',
      {
        title: o.topic,
        opportunity: o,
        view,
        mine,
        isLead,
        terminal: isTerminal(o.state),
        country: countryName(o.country, req.viewer.locale),
        closeDate: dateOnly(o.close_date),
        // Readable only while the partner works on it (policy customer_contacts_opportunity).
        contact: full && o.contact_id ? await req.db('customer_contacts').where('id', o.contact_id).first('name', 'email', 'phone', 'job_title') : null,
        timeline: full || view === 'history' ? await timelineOf(req.db, o.id) : [],
        notes: view === 'summary' ? [] : await notesOf(req.db, o.id),
        canNote: full,
        ...(await linkedCases(req, (db) => casesForOpportunity(db, o.id), `/cases/new?opportunity=${o.id}`)),
        partners: partners.filter((p) => p.partner_id !== partnerOf(req)),
        colleagues,
        manages,
        registration,
        cosell,
        cosellMinimum: minimum,
        cosellAllowed: !!minimum && manages && Number(o.value_base) >= minimum.base,
        stages: STAGES,
        reasons: REASONS,
        errors,
        values,
      },
      { status },
    );
  }

  app.get('/opportunities/:id', { config: { access } }, async (req) => detailPage(req));

  /**
   * One answer on the partner's own distribution, the same from the opportunity, its row or the bulk form: the
   * change, its audit entry, the channel team's notice and, when a lead lets go, re-routing after commit.
   */
  async function answerOne(
    req: FastifyRequest,
    o: Pick<Opportunity, 'id' | 'topic'>,
    mine: Distribution,
    action: 'accept' | 'decline' | 'return',
    reason: LossReason,
    opts: { bulk?: boolean } = {},
  ): Promise<void> {
    const change = (db: typeof req.db) => answer(db, mine, action, { userId: req.viewer.user!.id, reason: reason.reason || undefined, reasonOther: reason.reason_other || null });
    // In a bulk answer each change has its own savepoint: one refused halfway (its distribution changed, then the
    // opportunity had moved) leaves nothing behind, and the others still count.
    await (opts.bulk ? req.db.transaction((sp) => change(sp)) : change(req.db));
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: `distribution_${action}`, after: { distribution: mine.id, ...(opts.bulk ? { bulk: true } : {}), ...(action === 'accept' ? {} : reason) } });
    await notifyChannelTeam(req, 'opportunity.answered', { topic: o.topic, partner: req.viewer.user!.partnerName ?? '' }, `/admin/opportunities/${o.id}`, `opportunity:${o.id}:distribution:${mine.id}:${action}`);
    if (action !== 'accept' && mine.role === 'lead') settleAfterCommit(req, o.id);
  }

  async function answerRoute(req: FastifyRequest, action: 'accept' | 'decline' | 'return') {
    const { o, mine } = await visible(req);
    if (!mine) throw notFound();
    // From a row of the list: htmx swaps the row; without JavaScript the list comes back.
    const fromRow = (req.body as Record<string, unknown> | undefined)?.from === 'row';
    let reason = { reason: '', reason_other: '' };
    if (action !== 'accept') {
      const { values, errors } = parseForm(req.body, REASON_FORM);
      errors.push(...reasonErrors(values));
      if (errors.length && fromRow) return rowPage(req, errors.map((e) => ({ ...e, field: `${e.field}-${o.id}` })), 422);
      if (errors.length) return detailPage(req, errors.map((e) => ({ ...e, field: `${action}-${e.field}` })), values, 422);
      reason = values;
    }
    await guarded(() => answerOne(req, o, mine, action, reason));
    if (fromRow && req.headers['hx-request']) return redirect(`/opportunities/${o.id}/row`);
    req.session.set('flash', { key: { accept: 'opportunity.accepted_flash', decline: 'opportunity.declined_flash', return: 'opportunity.returned_flash' }[action], vars: { topic: o.topic } });
    if (fromRow) return redirect('/opportunities');
    return redirect(action === 'accept' ? `/opportunities/${o.id}` : '/opportunities');
  }

  // Several at once, from the checkboxes of "Distributed to us": each answer is its own conditional change, so
  // one that moved meanwhile is reported and the others still count.
  app.post('/opportunities/bulk', { config: { access } }, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const accept = body.action === 'accept';
    const ids = [...new Set((Array.isArray(body.ids) ? body.ids : body.ids === undefined ? [] : [body.ids]).map(asId).filter((n) => n > 0))].slice(0, 100);
    let reason = { reason: '', reason_other: '' };
    if (!accept) {
      const { values, errors } = parseForm(body, REASON_FORM);
      errors.push(...reasonErrors(values));
      if (errors.length) {
        req.session.set('flash', { key: 'opportunity.bulk.reason_needed' });
        return redirect('/opportunities?view=awaiting');
      }
      reason = values;
    }
    let done = 0;
    let skipped = 0;
    for (const id of ids) {
      const mine = await myDistribution(req.db, partnerOf(req), id);
      const opp = mine ? await findOpportunity(req.db, id) : undefined;
      if (!mine || !opp || mine.state !== 'delivered' || isTerminal(opp.state)) {
        skipped += 1;
        continue;
      }
      try {
        await answerOne(req, opp, mine, accept ? 'accept' : 'decline', reason, { bulk: true });
        done += 1;
      } catch (err) {
        if (!(err instanceof StateError)) throw err;
        skipped += 1;
      }
    }
    req.session.set('flash', { key: accept ? 'opportunity.bulk.accepted' : 'opportunity.bulk.declined', vars: { done, skipped } });
    return redirect('/opportunities?view=awaiting');
  });

  app.post('/opportunities/:id/accept', { config: { access } }, async (req) => answerRoute(req, 'accept'));
  app.post('/opportunities/:id/decline', { config: { access } }, async (req) => answerRoute(req, 'decline'));
  app.post('/opportunities/:id/return', { config: { access } }, async (req) => answerRoute(req, 'return'));

  /** The accepted lead's own changes; collaborators get 403, as the rules say. */
  async function asLead(req: FastifyRequest) {
    const { o, mine } = await visible(req);
    const isLead = o.lead_partner_id === partnerOf(req) && mine?.state === 'accepted' && mine.role === 'lead';
    return { o, actor: isLead ? ('lead' as const) : ('partner' as const) };
  }

  // The lead (or the partner whose deal is still submitted) edits the shared details; a stale save is a 409.
  const EDIT_FORM = {
    topic: { label: 'opportunity.topic', required: true, maxLength: 200, messages: { required: 'opportunity.topic.required' } },
    currency: { label: 'opportunity.currency', required: true, check: (v: string) => (CURRENCIES.includes(v) ? null : 'opportunity.currency.invalid') },
    value: { label: 'opportunity.value', required: true, check: (v: string) => (/^\d{1,12}(\.\d{1,2})?$/.test(v) ? null : 'opportunity.value.invalid') },
    close_date: { label: 'opportunity.close_date', check: (v: string) => (isDate(v) ? null : 'form.date') },
    need: { label: 'opportunity.need', maxLength: 5000 },
    situation: { label: 'opportunity.situation', maxLength: 5000 },
    proposed_solution: { label: 'opportunity.proposed_solution', maxLength: 5000 },
    version: { label: 'form.version' },
  } as const;
  const EDIT_LABELS = { topic: 'opportunity.topic', currency: 'opportunity.currency', value: 'opportunity.value', close_date: 'opportunity.close_date', need: 'opportunity.need', situation: 'opportunity.situation', proposed_solution: 'opportunity.proposed_solution' };
  const editValues = (o: Opportunity): Record<string, string> => ({
    topic: o.topic, currency: o.currency.trim(), value: String(Number(o.value)), close_date: dateOnly(o.close_date), need: o.need ?? '', situation: o.situation ?? '', proposed_solution: o.proposed_solution ?? '', version: String(o.version),
  });

  async function editable(req: FastifyRequest) {
    const { o, actor } = await asLead(req);
    const own = o.partner_id === partnerOf(req) && o.state === 'submitted';
    const move = opportunityMove(o.state, 'edit', own ? 'lead' : actor);
    if (!move.ok) throw refusal(move.why, o.state);
    return o;
  }

  function editPage(req: FastifyRequest, o: Opportunity, values: Record<string, string>, errors: FieldError[], status = 200, stale?: Conflict) {
    return page('pages/opportunities/partner-edit', { title: req.viewer.t('opportunity.edit'), opportunity: o, values, errors, conflict: stale, currencies: CURRENCIES }, { status });
  }

  app.get('/opportunities/:id/edit', { config: { access } }, async (req) => {
    const o = await editable(req);
    return editPage(req, o, editValues(o), []);
  });

  app.post('/opportunities/:id/edit', { config: { access } }, async (req) => {
    const o = await editable(req);
    const { values, errors } = parseForm(req.body, EDIT_FORM);
    const base = req.viewer.vendor.baseCurrency;
    const today = new Date().toISOString().slice(0, 10);
    const changedMoney = Number(o.value) !== Number(values.value) || o.currency.trim() !== values.currency;
    let valueBase: number | null = Number(o.value_base);
    if (!errors.length && changedMoney) {
      valueBase = await toBase(req.db, values.currency, Number(values.value), base, today);
      if (valueBase === null) errors.push({ field: 'currency', key: 'opportunity.currency.no_rate', vars: { currency: values.currency } });
    }
    if (errors.length) return editPage(req, o, values, errors, 422);
    const fields = {
      topic: values.topic, currency: values.currency, value: values.value, close_date: values.close_date || null, need: values.need || null, situation: values.situation || null,
      proposed_solution: values.proposed_solution || null, ...(changedMoney ? { value_base: valueBase, rate_date: today } : {}),
    };
    const n = await guarded(() => req.db('opportunities').where({ id: o.id, version: Number(values.version) }).update({ ...fields, version: o.version + 1, updated_at: req.db.fn.now() }));
    if (n !== 1) {
      const current = editValues(o);
      return editPage(req, o, { ...values, version: current.version! }, [STALE_ERROR('topic')], 409, conflict(current, values, EDIT_LABELS));
    }
    await addEvent(req.db, { opportunityId: o.id, kind: 'edited', audience: 'shared', partnerId: partnerOf(req), actorUserId: req.viewer.user!.id });
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: 'updated', after: fields });
    req.session.set('flash', { key: 'opportunity.saved', vars: { topic: values.topic } });
    return redirect(`/opportunities/${o.id}`);
  });

  app.post('/opportunities/:id/stage', { config: { access } }, async (req) => {
    const { o, actor } = await asLead(req);
    const move = opportunityMove(o.state, 'set_stage', actor);
    if (!move.ok) throw refusal(move.why, o.state);
    const stage = String((req.body as Record<string, unknown> | undefined)?.stage ?? '');
    if (!STAGES.includes(stage as Stage)) return detailPage(req, [{ field: 'stage', key: 'form.one_of', vars: { field: 'opportunity.stage' } }], {}, 422);
    await guarded(() => req.db('opportunities').where({ id: o.id, state: 'accepted' }).update({ stage, version: o.version + 1, updated_at: req.db.fn.now() }));
    await addEvent(req.db, { opportunityId: o.id, kind: 'stage', audience: 'shared', partnerId: partnerOf(req), actorUserId: req.viewer.user!.id, data: { stage } });
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: 'stage_changed', before: { stage: o.stage }, after: { stage } });
    return redirect(`/opportunities/${o.id}`);
  });

  app.post('/opportunities/:id/close', { config: { access } }, async (req) => {
    const { o, actor } = await asLead(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const won = body.outcome === 'won';
    const move = opportunityMove(o.state, won ? 'win' : 'lose', actor);
    if (!move.ok) throw refusal(move.why, o.state);
    let loss: LossReason = { reason: '', reason_other: '' };
    if (!won) {
      const { values, errors } = parseForm(body, REASON_FORM);
      errors.push(...reasonErrors(values));
      if (errors.length) return detailPage(req, errors.map((e) => ({ ...e, field: `lose-${e.field}` })), values, 422);
      loss = values;
    }
    await guarded(() => close(req.db, o, won ? { won } : { won, loss }, { actor, userId: req.viewer.user!.id, partnerId: partnerOf(req) }));
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: won ? 'won' : 'lost', after: won ? {} : loss });
    return redirect(`/opportunities/${o.id}`);
  });

  app.post('/opportunities/:id/notes', { config: { access } }, async (req) => {
    const { o, view } = await visible(req);
    if (view !== 'full') throw new HttpError(403, 'opportunity.notes.closed');
    const { values, errors } = parseForm(req.body, { body: { label: 'opportunity.note', required: true, maxLength: 5000, messages: { required: 'opportunity.note.required' } }, visibility: { label: 'opportunity.note.visibility', required: true, oneOf: ['company', 'shared'] } });
    if (errors.length) return detailPage(req, errors, values, 422);
    await req.db('opportunity_notes').insert({ opportunity_id: o.id, partner_id: partnerOf(req), author_user_id: req.viewer.user!.id, visibility: values.visibility, body: values.body });
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: 'note_added', after: { visibility: values.visibility } });
    // A shared note reaches the other partners working on it; their users are only readable as staff, after commit.
    if (values.visibility === 'shared') {
      const knex = req.server.database.knex;
      const clock = req.server.clock;
      const from = req.viewer.user!.partnerName ?? '';
      const author = partnerOf(req);
      req.afterCommit(async () => {
        const sent = await inContext(knex, { context: 'staff' }, async (db) => {
          const others: number[] = (await db('opportunity_distributions').where({ opportunity_id: o.id, state: 'accepted' }).whereNot('partner_id', author).select('partner_id')).map((r: { partner_id: number }) => r.partner_id);
          const vendor = (await db('vendor_settings').where('id', 1).first('name')).name;
          return notifyPartners(db, clock.mail, vendor, [...new Set(others)], 'opportunity.note', { topic: o.topic, partner: from }, `/opportunities/${o.id}#notes`, `opportunity-note:${o.id}:${Date.now()}`);
        });
        if (sent) clock.mail?.poke();
      });
    }
    req.session.set('flash', { key: 'opportunity.note.added' });
    return redirect(`/opportunities/${o.id}#notes`);
  });

  app.post('/opportunities/:id/owner', { config: { access: 'opportunities.assign' } }, async (req) => {
    const { o, view } = await visible(req);
    if (view !== 'full' || isTerminal(o.state)) throw new HttpError(409, 'opportunity.frozen');
    const ownerId = Number((req.body as Record<string, unknown> | undefined)?.owner) || 0;
    const colleague = await req.db('users').where({ id: ownerId, partner_id: partnerOf(req), status: 'active' }).first('id', 'name');
    if (!colleague) return detailPage(req, [{ field: 'owner', key: 'opportunity.owner.invalid' }], {}, 422);
    const n = await guarded(() => req.db('opportunities').where({ id: o.id }).update({ owner_user_id: colleague.id, version: o.version + 1 }));
    if (n !== 1) throw new HttpError(403, 'opportunity.lead_only');
    await audit(req, { entityType: 'opportunity', entityId: o.id, partnerId: partnerOf(req), action: 'owner_set', before: { owner: o.owner_user_id }, after: { owner: colleague.id } });
    return redirect(`/opportunities/${o.id}`);
  });
}
