import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { idParam, pageParam, queryValue } from '../../web/params.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { scopeOf } from '../../policies/permissions.ts';
import { CASE_CATEGORIES, CASE_PRIORITIES, mayComment, REOPEN_DAYS, caseMove } from '../../policies/case-states.ts';
import { addEntry, breached, guardedCase, firstResponseDue, moveCase, type Author, type CaseRow, type ResponseTargets } from '../../services/cases.ts';
import { caseEntries, findCase, linkableOpportunities, partnerCases, STATUS_GROUPS, type CaseListRow } from '../../repositories/cases.ts';
import { audit } from '../../services/audit.ts';
import { notify, staffRecipients } from '../../services/notify.ts';

const access = 'cases.open' as const;

export const CASE_FORM = {
  title: { label: 'case.field.title', required: true, maxLength: 200 },
  description: { label: 'case.field.description', required: true, maxLength: 10000 },
  category: { label: 'case.field.category', required: true, oneOf: CASE_CATEGORIES },
  priority: { label: 'case.field.priority', required: true, oneOf: CASE_PRIORITIES },
  opportunity: { label: 'case.field.opportunity', check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'case.opportunity.invalid') },
};
const EDIT_FORM = { ...CASE_FORM, version: { label: 'form.version' } };
/** Cases per page in the lists. */
const PAGE_SIZE = 50;
const COMMENT_FORM = { body: { label: 'case.field.comment', required: true, maxLength: 10000 } };
const REOPEN_FORM = { body: { label: 'case.field.reopen_reason', required: true, maxLength: 10000 } };

function author(req: FastifyRequest): Author {
  const u = req.viewer.user!;
  return { userId: u.id, name: u.name, staff: u.kind === 'staff' };
}

/** The case as this partner user may see it: the policies decide, the query says the same. */
async function visibleCase(req: FastifyRequest): Promise<CaseListRow> {
  const user = req.viewer.user!;
  const found = await findCase(req.db, idParam(req));
  if (!found || found.partner_id !== user.partnerId) throw notFound();
  if (scopeOf(user, access) === 'own' && found.opened_by !== user.id) throw notFound();
  return found;
}

/** The opportunity field, checked against what this company may see; a foreign or unknown one is a form error. */
async function opportunityError(req: FastifyRequest, value: string): Promise<FieldError | null> {
  if (!value) return null;
  const visible = await req.db('opportunities').where('id', Number(value)).first('id');
  return visible ? null : { field: 'opportunity', key: 'case.opportunity.invalid', vars: { field: 'case.field.opportunity' } };
}

export async function notifyCaseTeam(req: FastifyRequest, c: Pick<CaseRow, 'id' | 'title' | 'assignee_user_id'>, event: 'case.opened' | 'case.reply' | 'case.status', params: Record<string, string>, key: string) {
  const team = await staffRecipients(req, ['support_agent', 'channel_admin']);
  const recipients = c.assignee_user_id ? team.filter((s) => s.id === c.assignee_user_id) : team;
  await notify(req, event, recipients, { params: { title: c.title, ...params }, link: `/admin/cases/${c.id}`, key });
}

/**
 * Support cases for partner users: open one (about an opportunity the company may see, or none), follow the
 * conversation, answer the support team, resolve, reopen within 14 days, or confirm it is done.
 */
export default async function caseRoutes(app: FastifyInstance) {
  app.get('/cases', { config: { access } }, async (req) => {
    const user = req.viewer.user!;
    const group = Object.hasOwn(STATUS_GROUPS, queryValue(req, 'status')) ? queryValue(req, 'status') : 'open';
    const pageNo = pageParam(req);
    // One row more than a page says whether there is a next one, without counting them all.
    const found = await partnerCases(req.db, {
      partnerId: user.partnerId!, userId: user.id, ownOnly: scopeOf(user, access) === 'own', statuses: STATUS_GROUPS[group]!, limit: PAGE_SIZE + 1, offset: (pageNo - 1) * PAGE_SIZE,
    });
    return page('pages/cases/list', {
      title: req.viewer.t('case.list.title'), rows: found.slice(0, PAGE_SIZE), group, groups: Object.keys(STATUS_GROUPS), companyWide: scopeOf(user, access) === 'company',
      pager: { path: '/cases', query: { status: group === 'open' ? '' : group }, pageNo, hasNext: found.length > PAGE_SIZE },
    });
  });

  async function formPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], status = 200, edit?: CaseListRow, conflict?: Conflict) {
    const opportunities = await linkableOpportunities(req.db, req.viewer.user!.partnerId!);
    return page('pages/cases/form', {
      title: req.viewer.t(edit ? 'case.edit' : 'case.new'), values, errors, opportunities, categories: CASE_CATEGORIES, priorities: CASE_PRIORITIES, edit, conflict,
    }, { status });
  }

  app.get('/cases/new', { config: { access } }, async (req) => {
    const opportunity = queryValue(req, 'opportunity');
    return formPage(req, { title: '', description: '', category: opportunity ? 'opportunity' : '', priority: 'normal', opportunity: /^\d{1,9}$/.test(opportunity) ? opportunity : '' }, []);
  });

  app.post('/cases/new', { config: { access } }, async (req) => {
    const user = req.viewer.user!;
    const { values, errors } = parseForm(req.body, CASE_FORM);
    const oppError = errors.some((e) => e.field === 'opportunity') ? null : await opportunityError(req, values.opportunity);
    if (oppError) errors.push(oppError);
    if (errors.length) return formPage(req, values, errors, 422);
    const settings = await req.db('vendor_settings').where('id', 1).first('case_response_targets', 'case_holidays', 'time_zone');
    const now = new Date();
    const target = (settings.case_response_targets as ResponseTargets)[values.priority as keyof ResponseTargets] ?? { business_days: 1 };
    const due = firstResponseDue(now, target, settings.time_zone ?? 'UTC', settings.case_holidays ?? []);
    const [created] = await guardedCase(() =>
      req.db('cases')
        .insert({
          partner_id: user.partnerId, opened_by: user.id, title: values.title, description: values.description, category: values.category, priority: values.priority,
          opportunity_id: values.opportunity ? Number(values.opportunity) : null, first_response_due: due, created_at: now, updated_at: now,
        })
        .returning(['id', 'title', 'assignee_user_id']),
    );
    await audit(req, { entityType: 'case', entityId: created.id, partnerId: user.partnerId, action: 'opened', after: { title: values.title, priority: values.priority, opportunity: values.opportunity || null } });
    await notifyCaseTeam(req, created, 'case.opened', { partner: user.partnerName ?? '', priorityKey: `case.priority.${values.priority}` }, `case:${created.id}:opened`);
    req.session.set('flash', { key: 'case.opened_flash' });
    return redirect(`/cases/${created.id}`);
  });

  async function detailPage(req: FastifyRequest, errors: FieldError[] = [], values: Record<string, string> = {}, status = 200) {
    const c = await visibleCase(req);
    const entries = await caseEntries(req.db, c.id);
    const reopenUntil = c.resolved_at ? new Date(new Date(c.resolved_at).getTime() + REOPEN_DAYS * 86_400_000) : null;
    return page('pages/cases/show', {
      title: c.title, c, entries, errors, values: { body: '', ...values },
      html: renderMarkdown(c.description), render: renderMarkdown,
      canComment: mayComment(c.status),
      canResolve: caseMove('resolve', 'partner', c.status).ok,
      canReopen: caseMove('reopen', 'partner', c.status).ok && reopenUntil !== null && reopenUntil > new Date(),
      canConfirm: caseMove('close', 'partner', c.status).ok,
      reopenUntil,
      breached: breached(c),
    }, { status });
  }

  app.get('/cases/:id', { config: { access } }, async (req) => detailPage(req));

  app.post('/cases/:id/comments', { config: { access } }, async (req) => {
    const c = await visibleCase(req);
    if (!mayComment(c.status)) throw new HttpError(409, c.status === 'closed' ? 'case.closed' : 'case.reopen_first');
    const { values, errors } = parseForm(req.body, COMMENT_FORM);
    if (errors.length) return detailPage(req, errors, values, 422);
    const entryId = await guardedCase(() => addEntry(req.db, c, author(req), { kind: 'comment', body: values.body }));
    // A partner's answer to a question puts the case back with the support team.
    if (c.status === 'waiting_on_partner') await guardedCase(() => moveCase(req.db, c, 'partner_replies', 'partner', author(req)));
    else await req.db('cases').where('id', c.id).update({ updated_at: new Date() });
    await notifyCaseTeam(req, c, 'case.reply', { author: req.viewer.user!.name }, `case:${c.id}:entry:${entryId}`);
    req.session.set('flash', { key: 'case.comment_added' });
    return redirect(`/cases/${c.id}#entry-${entryId}`);
  });

  for (const [path, action, flash] of [['resolve', 'resolve', 'case.resolved_flash'], ['close', 'close', 'case.closed_flash']] as const) {
    app.post(`/cases/:id/${path}`, { config: { access } }, async (req) => {
      const c = await visibleCase(req);
      const moved = await guardedCase(() => moveCase(req.db, c, action, 'partner', author(req)));
      await audit(req, { entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: moved.status, before: { status: c.status }, after: { status: moved.status } });
      await notifyCaseTeam(req, c, 'case.status', { statusKey: `case.status.${moved.status}` }, `case:${c.id}:status:${moved.status}:${moved.version}`);
      req.session.set('flash', { key: flash });
      return redirect(`/cases/${c.id}`);
    });
  }

  app.post('/cases/:id/reopen', { config: { access } }, async (req) => {
    const c = await visibleCase(req);
    const { values, errors } = parseForm(req.body, REOPEN_FORM);
    if (errors.length) return detailPage(req, errors.map((e) => ({ ...e, field: 'reopen-body' })), { reopen: values.body }, 422);
    const moved = await guardedCase(() => moveCase(req.db, c, 'reopen', 'partner', author(req)));
    const entryId = await addEntry(req.db, c, author(req), { kind: 'comment', body: values.body });
    await audit(req, { entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: 'reopened', before: { status: c.status }, after: { status: moved.status } });
    await notifyCaseTeam(req, c, 'case.status', { statusKey: 'case.status.in_progress' }, `case:${c.id}:entry:${entryId}`);
    req.session.set('flash', { key: 'case.reopened_flash' });
    return redirect(`/cases/${c.id}#entry-${entryId}`);
  });

  app.get('/cases/:id/edit', { config: { access } }, async (req) => {
    const c = await visibleCase(req);
    if (c.status === 'closed') throw new HttpError(409, 'case.closed');
    return formPage(req, { title: c.title, description: c.description, category: c.category, priority: c.priority, opportunity: c.opportunity_id ? String(c.opportunity_id) : '', version: String(c.version) }, [], 200, c);
  });

  app.post('/cases/:id/edit', { config: { access } }, async (req) => {
    const c = await visibleCase(req);
    if (c.status === 'closed') throw new HttpError(409, 'case.closed');
    const { values, errors } = parseForm(req.body, EDIT_FORM);
    const oppError = errors.some((e) => e.field === 'opportunity') ? null : await opportunityError(req, values.opportunity);
    if (oppError) errors.push(oppError);
    if (errors.length) return formPage(req, values, errors, 422, c);
    const changes = { title: values.title, description: values.description, category: values.category, priority: values.priority, opportunity_id: values.opportunity ? Number(values.opportunity) : null };
    const n = await guardedCase(() => req.db('cases').where({ id: c.id, version: Number(values.version) }).update({ ...changes, updated_at: new Date(), version: req.db.raw('version + 1') }));
    if (!n) {
      const current = (await findCase(req.db, c.id))!;
      const stored = { title: current.title, description: current.description, category: current.category, priority: current.priority };
      const labels = { title: 'case.field.title', description: 'case.field.description', category: 'case.field.category', priority: 'case.field.priority' };
      const shown = (field: keyof typeof stored, value: string) => (field === 'category' || field === 'priority' ? req.viewer.t(`case.${field}.${value}`) : value);
      return formPage(req, { ...values, version: String(current.version) }, [STALE_ERROR('title')], 409, current, conflict(stored, values, labels, shown));
    }
    await audit(req, {
      entityType: 'case', entityId: c.id, partnerId: c.partner_id, action: 'updated',
      before: { title: c.title, category: c.category, priority: c.priority, opportunity: c.opportunity_id }, after: { title: values.title, category: values.category, priority: values.priority, opportunity: changes.opportunity_id },
    });
    req.session.set('flash', { key: 'case.saved_flash' });
    return redirect(`/cases/${c.id}`);
  });
}
