import type { FastifyInstance } from 'fastify';
import { page } from '../../web/results.ts';
import { isDate } from '../../web/forms.ts';

const PAGE_SIZE = 50;

/**
 * The audit trail. One route for staff and partner admins: the database's policy decides which entries each
 * may read (staff everything; a partner admin their own users' actions and changes to their own records, never
 * staff-only entries). Newest first, with keyset pagination on (at, id).
 */
export default async function auditRoutes(app: FastifyInstance) {
  app.get('/audit', { config: { access: 'audit.view' } }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const filters = {
      entity: /^[a-z_]{1,40}$/.test(q.entity ?? '') ? q.entity! : '',
      action: /^[a-z_]{1,40}$/.test(q.action ?? '') ? q.action! : '',
      partner: /^\d{1,9}$/.test(q.partner ?? '') ? q.partner! : '',
      from: isDate(q.from ?? '') ? q.from! : '',
      to: isDate(q.to ?? '') ? q.to! : '',
    };
    const before = /^\d{1,18}$/.test(q.before ?? '') ? q.before! : '';
    const list = req.db('audit_events as a')
      .leftJoin('users as u', 'u.id', 'a.actor_user_id')
      .leftJoin('partners as p', 'p.id', 'a.partner_id')
      .select('a.id', 'a.at', 'a.entity_type', 'a.entity_id', 'a.action', 'a.before', 'a.after', 'a.partner_id', 'u.name as actor', 'p.name as partner_name')
      .orderBy([{ column: 'a.id', order: 'desc' }])
      .limit(PAGE_SIZE + 1);
    if (filters.entity) list.where('a.entity_type', filters.entity);
    if (filters.action) list.where('a.action', filters.action);
    if (filters.partner) list.where('a.partner_id', Number(filters.partner));
    if (filters.from) list.where('a.at', '>=', filters.from);
    if (filters.to) list.whereRaw(`a.at < (?::date + 1)`, [filters.to]);
    if (before) list.where('a.id', '<', before);
    const rows = await list;
    const more = rows.length > PAGE_SIZE;
    const events = rows.slice(0, PAGE_SIZE).map((r: { before: Record<string, unknown> | null; after: Record<string, unknown> | null }) => ({
      ...r,
      changes: Object.keys({ ...(r.before ?? {}), ...(r.after ?? {}) }).map((field) => ({
        field,
        before: r.before && field in r.before ? JSON.stringify(r.before[field]) : '',
        after: r.after && field in r.after ? JSON.stringify(r.after[field]) : '',
      })),
    }));
    const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    const last = events[events.length - 1] as { id: string } | undefined;
    if (more && last) params.set('before', String(last.id));
    return page('pages/audit/index', { title: req.viewer.t('audit.title'), events, filters, next: more ? `/audit?${params}` : null });
  });
}
