import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { asId, idParam, pageParam, queryValue } from '../../web/params.ts';
import { can } from '../../policies/permissions.ts';
import { CASE_CATEGORIES, CASE_PRIORITIES, caseMove, mayComment, type CaseStatus } from '../../policies/case-states.ts';
import { addEntry, breached, guardedCase, moveCase, type Author, type CaseRow } from '../../services/cases.ts';
import { caseAgents, caseEntries, findCase, staffQueue, STATUS_GROUPS, type CaseListRow } from '../../repositories/cases.ts';
import { audit } from '../../services/audit.ts';
import { notify, type Recipient } from '../../services/notify.ts';

const access = 'cases.answer' as const;
/** Cases per page of the queue. */
const PAGE_SIZE = 50;

const REPLY_FORM = {
  body: { label: 'case.field.reply', required: true, maxLength: 10000 },
  wait: { label: 'case.field.wait', oneOf: ['yes'] },
};
const NOTE_FORM = { note: { label: 'case.field.note', required: true, maxLength: 10000 } };
const ASSIGN_FORM = {
  assignee: { label: 'case.field.assignee', check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'form.one_of') },
  priority: { label: 'case.field.priority', required: true, oneOf: CASE_PRIORITIES },
};

function author(req: FastifyRequest): Author {
  const u = req.viewer.user!;
  return { userId: u.id, name: u.name, staff: true };
}

async function caseOr404(req: FastifyRequest): Promise<CaseListRow> {
  const c = await findCase(req.db, idParam(req));
  if (!c) throw notFound();
  return c;
}

/** The opener hears of staff's replies and status changes, in the portal and by email as they chose. */
async function notifyOpener(req: FastifyRequest, c: Pick<CaseRow, 'id' | 'title'>, event: 'case.reply' | 'case.status', params: Record<string, string>, key: string) {
  const { rows } = await req.db.raw<{ rows: Recipient[] }>('SELECT id, email, name, locale, channel FROM case_partner_recipients(?, ?)', [c.id, event]);
  await notify(req, event, rows, { params: { title: c.title, ...params }, link: `/cases/${c.id}`, key });
}

/** The support team's hub: the queue with first-response targets, and each case's conversation and controls. */
export default async function staffCaseRoutes(app: FastifyInstance) {
  app.get('/admin/cases', { config: { access } }, async (req) => {
    const user = req.viewer.user!;
    const group = Object.hasOwn(STATUS_GROUPS, queryValue(req, 'status')) ? queryValue(req, 'status') : 'open';
    const priority = (CASE_PRIORITIES as readonly string[]).includes(queryValue(req, 'priority')) ? queryValue(req, 'priority') : '';
    const category = (CASE_CATEGORIES as readonly string[]).includes(queryValue(req, 'category')) ? queryValue(req, 'category') : '';
    const partner = asId(queryValue(req, 'partner')) || undefined;
    const assigneeRaw = queryValue(req, 'assignee');
    const assignee = assigneeRaw === 'me' || assigneeRaw === 'none' ? assigneeRaw : asId(assigneeRaw) || undefined;
    const now = new Date();
    const pageNo = pageParam(req);
    const queue = await staffQueue(req.db, { statuses: STATUS_GROUPS[group]!, priority, category, partnerId: partner, assignee, userId: user.id, limit: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE }, now);
    const partners: { id: number; name: string }[] = await req.db('partners').whereIn('id', req.db('cases').distinct('partner_id')).orderBy('name').select('id', 'name');
    const settings = await req.db('vendor_settings').where('id', 1).first('case_response_targets');
    return page('pages/cases/queue', {
      title: req.viewer.t('case.queue.title'), ...queue, now,
      filters: { status: group, priority, category, partner: partner ? String(partner) : '', assignee: assigneeRaw },
      pager: { path: '/admin/cases', query: { status: group === 'open' ? '' : group, priority, category, partner: partner ? String(partner) : '', assignee: assigneeRaw }, pageNo, hasNext: queue.total > pageNo * PAGE_SIZE },
      groups: Object.keys(STATUS_GROUPS), priorities: CASE_PRIORITIES, categories: CASE_CATEGORIES, partners, agents: await caseAgents(req.db),
      targets: settings.case_response_targets, canSetTargets: can(user, 'settings.manage'),
    });
  });

  async function detailPage(req: FastifyRequest, errors: FieldError[] = [], values: Record<string, string> = {}, status = 200) {
    const c = await caseOr404(req);
    const entries = await caseEntries(req.db, c.id);
    const opportunity = c.opportunity_id
      ? await req.db('opportunities as o')
          .leftJoin('customer_accounts as a', 'a.id', 'o.account_id')
          .leftJoin('partners as p', 'p.id', 'o.lead_partner_id')
          .where('o.id', c.opportunity_id)
          .first('o.id', 'o.topic', 'o.state', 'o.stage', 'o.value', 'o.currency', 'o.close_date', 'o.source', 'a.name as account_name', 'p.name as lead_name')
      : null;
    return page('pages/cases/staff-show', {
      title: c.title, c, entries, opportunity, errors, values: { body: '', note: '', wait: '', assignee: c.assignee_user_id ? String(c.assignee_user_id) : '', priority: c.priority, ...values },
      html: renderMarkdown(c.description), render: renderMarkdown, agents: await caseAgents(req.db), priorities: CASE_PRIORITIES,
      canReply: mayComment(c.status), canOpenOpportunity: can(req.viewer.user!, 'opportunities.distribute'), canNote: c.status !== 'closed', canResolve: caseMove('resolve', 'staff', c.status).ok, breached: breached(c),
    }, { status });
  }

  app.get('/admin/cases/:id', { config: { access } }, async (req) => detailPage(req));

  // A reply: the case is in progress from now on, or waiting on the partner when staff ask something.
  app.post('/admin/cases/:id/reply', { config: { access } }, async (req) => {
    let c: CaseRow = await caseOr404(req);
    if (!mayComment(c.status)) throw new HttpError(409, c.status === 'closed' ? 'case.closed' : 'case.resolved_no_reply');
    const { values, errors } = parseForm(req.body, REPLY_FORM);
    if (errors.length) return detailPage(req, errors, values, 422);
    const entryId = await guardedCase(() => addEntry(req.db, c, author(req), { kind: 'comment', body: values.body }));
    const before: CaseStatus = c.status;
    if (c.status === 'new') c = await guardedCase(() => moveCase(req.db, c, 'start', 'staff', author(req)));
    if (values.wait === 'yes' && c.status === 'in_progress') c = await guardedCase(() => moveCase(req.db, c, 'ask', 'staff', author(req)));
    await req.db('cases').where('id', c.id).update({ first_response_at: req.db.raw('coalesce(first_response_at, now())'), updated_at: new Date() });
    await notifyOpener(req, c, 'case.reply', { author: req.viewer.user!.name }, `case:${c.id}:entry:${entryId}`);
    if (c.status !== before) await audit(req, { entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: c.status, before: { status: before }, after: { status: c.status } });
    req.session.set('flash', { key: c.status === 'waiting_on_partner' ? 'case.asked_flash' : 'case.replied_flash' });
    return redirect(`/admin/cases/${c.id}#entry-${entryId}`);
  });

  app.post('/admin/cases/:id/note', { config: { access } }, async (req) => {
    const c = await caseOr404(req);
    if (c.status === 'closed') throw new HttpError(409, 'case.closed');
    const { values, errors } = parseForm(req.body, NOTE_FORM);
    if (errors.length) return detailPage(req, errors, values, 422);
    const entryId = await guardedCase(() => addEntry(req.db, c, author(req), { kind: 'note', body: values.note }));
    req.session.set('flash', { key: 'case.note_added' });
    return redirect(`/admin/cases/${c.id}#entry-${entryId}`);
  });

  app.post('/admin/cases/:id/assign', { config: { access } }, async (req) => {
    const found = await caseOr404(req);
    let c: CaseRow = found;
    if (c.status === 'closed') throw new HttpError(409, 'case.closed');
    const { values, errors } = parseForm(req.body, ASSIGN_FORM);
    const agents = await caseAgents(req.db);
    if (values.assignee && !agents.some((a) => String(a.id) === values.assignee)) errors.push({ field: 'assignee', key: 'form.one_of', vars: { field: 'case.field.assignee' } });
    if (errors.length) return detailPage(req, errors, values, 422);
    const assignee = values.assignee ? Number(values.assignee) : null;
    if (assignee !== c.assignee_user_id || values.priority !== c.priority) {
      await guardedCase(() => req.db('cases').where('id', c.id).update({ assignee_user_id: assignee, priority: values.priority, updated_at: new Date(), version: req.db.raw('version + 1') }));
      const name = agents.find((a) => a.id === assignee)?.name ?? null;
      await addEntry(req.db, c, author(req), { kind: 'assignment', body: name });
      await audit(req, { entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: 'assigned', before: { assignee: c.assignee_user_id, priority: c.priority }, after: { assignee, priority: values.priority }, visibility: 'staff' });
      if (assignee && assignee !== req.viewer.user!.id) {
        const agent: Recipient[] = await req.db('users').where('id', assignee).select('id', 'email', 'name', 'locale');
        await notify(req, 'case.opened', agent, { params: { title: c.title, partner: found.partner_name ?? '', priorityKey: `case.priority.${values.priority}` }, link: `/admin/cases/${c.id}`, key: `case:${c.id}:assigned:${assignee}:${Date.now()}` });
      }
      // Taking a new case in hand starts the work on it.
      if (c.status === 'new' && assignee) {
        c = await guardedCase(() => moveCase(req.db, { ...c, version: c.version + 1 }, 'start', 'staff', author(req)));
        await notifyOpener(req, c, 'case.status', { statusKey: 'case.status.in_progress' }, `case:${c.id}:started`);
      }
    }
    req.session.set('flash', { key: 'case.assigned_flash' });
    return redirect(`/admin/cases/${c.id}`);
  });

  app.post('/admin/cases/:id/resolve', { config: { access } }, async (req) => {
    const c = await caseOr404(req);
    const moved = await guardedCase(() => moveCase(req.db, c, 'resolve', 'staff', author(req)));
    await audit(req, { entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: 'resolved', before: { status: c.status }, after: { status: moved.status } });
    await notifyOpener(req, c, 'case.status', { statusKey: 'case.status.resolved' }, `case:${c.id}:status:resolved:${moved.version}`);
    req.session.set('flash', { key: 'case.resolved_flash' });
    return redirect(`/admin/cases/${c.id}`);
  });
}
