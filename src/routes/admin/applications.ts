import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { countries, countryName, languageName } from '../../i18n/regions.ts';
import { findPartner, listPeople, PARTNER_LEVELS, type Partner } from '../../repositories/partners.ts';
import { listProducts } from '../../repositories/products.ts';
import { audit } from '../../services/audit.ts';
import { queueEmail, absoluteUrl } from '../../services/mail.ts';
import { isLocale, DEFAULT_LOCALE } from '../../i18n/index.ts';
import { idParam } from '../../web/params.ts';

const STATUSES = ['applicant', 'active', 'rejected', 'suspended'] as const;

const APPROVE = {
  level: { label: 'applications.level', required: true, oneOf: PARTNER_LEVELS },
  capacity: { label: 'applications.capacity', required: true, check: (v: string) => (/^\d{1,5}$/.test(v) ? null : 'applications.capacity.invalid') },
} as const;
const REJECT = { reason: { label: 'applications.reason', required: true, maxLength: 2000, messages: { required: 'applications.reason.required' } } } as const;

function partnerId(req: FastifyRequest): number {
  return idParam(req);
}

async function detailPage(req: FastifyRequest, partner: Partner, form: { values?: Record<string, string>; errors?: FieldError[]; status?: number } = {}) {
  const locale = req.viewer.locale;
  const products = new Map((await listProducts(req.db, { includeRetired: true })).map((p) => [p.id, p.name]));
  const people = await listPeople(req.db, partner.id);
  const decidedBy = partner.decided_by ? await req.db('users').where('id', partner.decided_by).first('name') : undefined;
  return page(
    'pages/admin/application',
    {
      title: partner.name,
      partner,
      people,
      decidedBy: decidedBy?.name,
      country: countryName(partner.country, locale),
      specialties: partner.specialties.map((id) => products.get(id) ?? `#${id}`),
      countriesServed: partner.countries_served.map((c) => countryName(c, locale)),
      languageNames: partner.languages.map((l) => languageName(l, locale)),
      levels: PARTNER_LEVELS,
      values: form.values ?? { level: 'registered', capacity: '5' },
      errors: form.errors ?? [],
    },
    { status: form.status ?? 200, partial: 'partials/admin/application-decision' },
  );
}

/** Locks the application and checks it still waits for a decision: a second click or a colleague's decision is 409. */
async function pendingApplication(req: FastifyRequest): Promise<Partner> {
  const id = partnerId(req);
  const locked = await req.db('partners').select('id', 'status').where('id', id).forUpdate().first();
  if (!locked) throw notFound();
  const partner = (await findPartner(req.db, id))!;
  if (locked.status !== 'applicant') throw new HttpError(409, 'applications.already_decided');
  return partner;
}

/**
 * Records the decision and tells the applicant's contacts, each in their own language. The first contact
 * already holds partner_admin; approval is what makes that role count.
 */
async function decide(req: FastifyRequest, partner: Partner, decision: { status: 'active' | 'rejected'; fields: Record<string, string | number>; template: string; params: Record<string, string> }) {
  const changes = { status: decision.status, ...decision.fields };
  await req.db('partners').where('id', partner.id).update({ ...changes, decided_at: req.db.fn.now(), decided_by: req.viewer.user!.id, version: partner.version + 1, updated_at: req.db.fn.now() });
  const before = Object.fromEntries(Object.keys(changes).map((k) => [k, partner[k as keyof Partner] ?? null]));
  await audit(req, { entityType: 'partner', entityId: partner.id, partnerId: partner.id, action: decision.status === 'active' ? 'approved' : 'rejected', before, after: changes });
  const contacts = (await listPeople(req.db, partner.id)).filter((p: { status: string }) => p.status === 'active');
  for (const contact of contacts) {
    await queueEmail(req, {
      eventKey: `${decision.template}:${partner.id}:${contact.id}`,
      to: contact.email,
      toName: contact.name,
      locale: isLocale(contact.locale) ? contact.locale : DEFAULT_LOCALE,
      template: decision.template,
      params: { name: contact.name, company: partner.name, ...decision.params },
    });
  }
}

export default async function applicationRoutes(app: FastifyInstance) {
  app.get('/admin/applications', { config: { access: 'applications.review' } }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const status = STATUSES.includes(q.status as never) ? (q.status as string) : 'applicant';
    const country = q.country && /^[A-Z]{2}$/.test(q.country) ? q.country : '';
    const minDays = q.min_days && /^\d{1,4}$/.test(q.min_days) ? Number(q.min_days) : 0;
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    const grouped: { status: string; n: string }[] = await req.db('partners').select('status').count({ n: '*' }).groupBy('status');
    for (const row of grouped) counts[row.status] = Number(row.n);
    const list = req.db('partners')
      .select('id', 'name', 'country', 'applied_at', 'created_at', 'status', req.db.raw('jsonb_array_length(duplicate_flags) AS duplicates'))
      .where('status', status)
      .orderByRaw('coalesce(applied_at, created_at) ASC, id ASC')
      .limit(200);
    if (country) list.where('country', country);
    if (minDays) list.whereRaw(`coalesce(applied_at, created_at) <= now() - make_interval(days => ?)`, [minDays]);
    const rows = (await list).map((r: { applied_at: Date | null; created_at: Date; country: string | null }) => ({
      ...r,
      countryName: countryName(r.country, req.viewer.locale),
      days: Math.floor((Date.now() - new Date(r.applied_at ?? r.created_at).getTime()) / 86_400_000),
    }));
    return page('pages/admin/applications', {
      title: req.viewer.t('applications.title'),
      counts,
      statuses: STATUSES,
      filters: { status, country, min_days: minDays ? String(minDays) : '' },
      countries: countries(req.viewer.locale),
      rows,
    });
  });

  app.get('/admin/applications/:id', { config: { access: 'applications.review' } }, async (req) => {
    const partner = await findPartner(req.db, partnerId(req));
    if (!partner) throw notFound();
    return detailPage(req, partner);
  });

  app.post('/admin/applications/:id/approve', { config: { access: 'applications.review' } }, async (req) => {
    const partner = await pendingApplication(req);
    const { values, errors } = parseForm(req.body, APPROVE);
    if (errors.length) return detailPage(req, partner, { values, errors, status: 422 });
    await decide(req, partner, {
      status: 'active',
      fields: { level: values.level, capacity: Number(values.capacity) },
      template: 'application_approved',
      params: { level: values.level, link: absoluteUrl(req, '/sign-in') },
    });
    req.session.set('flash', { key: 'applications.approved', vars: { company: partner.name } });
    return redirect(`/admin/applications/${partner.id}`);
  });

  app.post('/admin/applications/:id/reject', { config: { access: 'applications.review' } }, async (req) => {
    const partner = await pendingApplication(req);
    const { values, errors } = parseForm(req.body, REJECT);
    if (errors.length) return detailPage(req, partner, { values: { level: 'registered', capacity: '5', ...values }, errors, status: 422 });
    await decide(req, partner, { status: 'rejected', fields: { rejection_reason: values.reason }, template: 'application_rejected', params: { reason: values.reason } });
    req.session.set('flash', { key: 'applications.rejected', vars: { company: partner.name } });
    return redirect(`/admin/applications/${partner.id}`);
  });
}
