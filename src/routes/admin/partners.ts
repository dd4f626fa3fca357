import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { countryName } from '../../i18n/regions.ts';
import { findPartner, listPeople, PARTNER_LEVELS, type Partner } from '../../repositories/partners.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { notify } from '../../services/notify.ts';
import { endSessionsOfUsers } from '../../plugins/external/session.ts';
import { idParam, queryValue } from '../../web/params.ts';
import { containsPattern } from '../../db/like.ts';

const FORM = {
  level: { label: 'applications.level', required: true, oneOf: PARTNER_LEVELS },
  capacity: { label: 'applications.capacity', required: true, check: (v: string) => (/^\d{1,5}$/.test(v) ? null : 'applications.capacity.invalid') },
  status: { label: 'applications.status', required: true, oneOf: ['active', 'suspended'] },
  version: { label: 'form.version', required: true, check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'form.stale') },
} as const;
const LABELS = { level: 'applications.level', capacity: 'applications.capacity', status: 'applications.status' };

function values(p: Partner) {
  return { level: p.level ?? 'registered', capacity: String(p.capacity ?? 0), status: p.status, version: String(p.version) };
}

async function partnerPage(req: FastifyRequest, partner: Partner, form: { values?: Record<string, string>; errors?: FieldError[]; status?: number; stale?: Conflict } = {}) {
  return page(
    'pages/admin/partner',
    { title: partner.name, partner, country: countryName(partner.country, req.viewer.locale), people: await listPeople(req.db, partner.id), levels: PARTNER_LEVELS, values: form.values ?? values(partner), errors: form.errors ?? [], conflict: form.stale },
    { status: form.status ?? 200 },
  );
}

export default async function partnerAdminRoutes(app: FastifyInstance) {
  app.get('/admin/partners', { config: { access: 'partners.manage' } }, async (req) => {
    const search = queryValue(req, 'q').slice(0, 100);
    const status = ['active', 'suspended'].includes(queryValue(req, 'status')) ? queryValue(req, 'status') : '';
    const list = req.db('partners').select('id', 'name', 'status', 'level', 'country', 'capacity').whereIn('status', status ? [status] : ['active', 'suspended']).orderByRaw('lower(name)').limit(200);
    if (search) list.whereRaw(`lower(name) LIKE ?`, [containsPattern(search)]);
    const partners = (await list).map((p: { country: string | null }) => ({ ...p, countryName: countryName(p.country, req.viewer.locale) }));
    return page('pages/admin/partners', { title: req.viewer.t('partners.title'), partners, filters: { q: search, status } });
  });

  app.get('/admin/partners/:id', { config: { access: 'partners.manage' } }, async (req) => {
    const partner = await findPartner(req.db, idParam(req));
    if (!partner || partner.status === 'applicant' || partner.status === 'rejected') throw notFound();
    return partnerPage(req, partner);
  });

  app.post('/admin/partners/:id', { config: { access: 'partners.manage' } }, async (req) => {
    const partner = await findPartner(req.db, idParam(req));
    if (!partner || partner.status === 'applicant' || partner.status === 'rejected') throw notFound();
    const { values: v, errors } = parseForm(req.body, FORM);
    if (errors.length) return partnerPage(req, partner, { values: v, errors, status: 422 });
    const next = { level: v.level, capacity: Number(v.capacity), status: v.status };
    const version = Number(v.version);
    const saved = await req.db('partners').where({ id: partner.id, version }).update({ ...next, version: version + 1, updated_at: req.db.fn.now() });
    if (saved !== 1) return partnerPage(req, partner, { values: { ...v, version: String(partner.version) }, errors: [STALE_ERROR('level')], status: 409, stale: conflict(values(partner), v, LABELS, (field, value) => (field === 'level' ? req.viewer.t(`partner.level.${value}`) : field === 'status' ? req.viewer.t(`partner.status.${value}`) : value)) });
    const diff = changedFields({ level: partner.level, capacity: partner.capacity, status: partner.status }, next);
    if (diff) {
      await audit(req, { entityType: 'partner', entityId: partner.id, partnerId: partner.id, action: next.status === 'suspended' && partner.status !== 'suspended' ? 'suspended' : 'updated', ...diff });
      const people = (await listPeople(req.db, partner.id)).filter((p: { status: string }) => p.status === 'active');
      await notify(req, 'partner.changed', people.filter((p: { role: string }) => p.role === 'partner_admin'), {
        key: `partner-changed:${partner.id}:${version + 1}`,
        link: '/company',
        params: { company: partner.name },
      });
      if (next.status === 'suspended' && partner.status !== 'suspended') {
        // Everyone of a suspended company is signed out at once, not at their next click.
        const ids = people.map((p: { id: number }) => p.id);
        req.afterCommit(async () => {
          await endSessionsOfUsers(req.server.database.knex, ids);
        });
      }
    }
    req.session.set('flash', { key: 'partners.saved', vars: { company: partner.name } });
    return redirect(`/admin/partners/${partner.id}`);
  });
}
