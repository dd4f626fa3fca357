import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, websiteDomain, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { countryName, languageName } from '../../i18n/regions.ts';
import { findPartner, setSpecialties, type Partner } from '../../repositories/partners.ts';
import { listProducts } from '../../repositories/products.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { can } from '../../policies/permissions.ts';
import { COMPANY_FIELDS, companyFormOptions, parseCompanyLists } from '../apply/index.ts';

const FORM = {
  company_name: COMPANY_FIELDS.company_name,
  website: COMPANY_FIELDS.website,
  country: COMPANY_FIELDS.country,
  address: COMPANY_FIELDS.address,
  phone: COMPANY_FIELDS.phone,
  listed: { label: 'company.listed', oneOf: ['yes'] },
  version: { label: 'form.version', required: true, check: (v: string) => (/^\d{1,9}$/.test(v) ? null : 'form.stale') },
} as const;

const LABELS = { company_name: 'apply.company_name', website: 'apply.website', country: 'apply.country', address: 'apply.address', phone: 'apply.phone' };

function values(p: Partner): Record<string, string> {
  return { company_name: p.name, website: p.website ?? '', country: p.country ?? '', address: p.address ?? '', phone: p.phone ?? '', listed: p.listed ? 'yes' : '', version: String(p.profile_version) };
}

function lists(p: Partner) {
  return { specialties: p.specialties.map(String), countries_served: p.countries_served, languages: p.languages };
}

/** What the audit trail keeps of a profile: the editable fields, as stored. */
function snapshot(p: Pick<Partner, 'name' | 'website' | 'country' | 'address' | 'phone' | 'listed' | 'countries_served' | 'languages' | 'specialties'>) {
  return { name: p.name, website: p.website, country: p.country, address: p.address, phone: p.phone, listed: p.listed, countries_served: p.countries_served, languages: p.languages, specialties: p.specialties };
}

async function profilePage(req: FastifyRequest, partner: Partner, form: { values?: Record<string, string>; lists?: ReturnType<typeof lists>; errors?: FieldError[]; status?: number; stale?: Conflict } = {}) {
  const user = req.viewer.user!;
  const locale = req.viewer.locale;
  const products = new Map((await listProducts(req.db, { includeRetired: true })).map((p) => [p.id, p.name]));
  return page(
    'pages/company/profile',
    {
      title: req.viewer.t('company.title'),
      partner,
      editable: can(user, 'company.profile.manage'),
      values: form.values ?? values(partner),
      lists: form.lists ?? lists(partner),
      errors: form.errors ?? [],
      conflict: form.stale,
      view: {
        country: countryName(partner.country, locale),
        specialties: partner.specialties.map((id) => products.get(id) ?? `#${id}`),
        countriesServed: partner.countries_served.map((c) => countryName(c, locale)),
        languages: partner.languages.map((l) => languageName(l, locale)),
      },
      ...(await companyFormOptions(req)),
    },
    { status: form.status ?? 200 },
  );
}

export default async function profileRoutes(app: FastifyInstance) {
  // The company is always the signed-in user's own: its id comes from the session, never from the address.
  app.get('/company', { config: { access: 'company.profile.view' } }, async (req) => {
    const partner = (await findPartner(req.db, req.viewer.user!.partnerId!))!;
    return profilePage(req, partner);
  });

  app.post('/company', { config: { access: 'company.profile.manage' } }, async (req) => {
    const partnerId = req.viewer.user!.partnerId!;
    const partner = (await findPartner(req.db, partnerId))!;
    const { values: v, errors } = parseForm(req.body, FORM);
    const { lists: l, errors: listErrors } = await parseCompanyLists(req, req.body);
    errors.push(...listErrors);
    if (errors.length) return profilePage(req, partner, { values: v, lists: l, errors, status: 422 });
    const next = {
      name: v.company_name,
      website: v.website || null,
      website_domain: websiteDomain(v.website),
      country: v.country,
      address: v.address || null,
      phone: v.phone || null,
      listed: v.listed === 'yes',
      countries_served: l.countries_served,
      languages: l.languages,
    };
    const version = Number(v.version);
    const saved = await req.db('partners').where({ id: partnerId, profile_version: version }).update({ ...next, profile_version: version + 1, updated_at: req.db.fn.now() });
    if (saved !== 1) {
      return profilePage(req, partner, { values: { ...v, version: String(partner.profile_version) }, lists: l, errors: [STALE_ERROR('company_name')], status: 409, stale: conflict(values(partner), v, LABELS) });
    }
    await setSpecialties(req.db, partnerId, l.specialties.map(Number));
    const diff = changedFields(snapshot(partner), snapshot({ ...next, specialties: l.specialties.map(Number) }));
    if (diff) await audit(req, { entityType: 'partner', entityId: partnerId, partnerId, action: 'profile_updated', ...diff });
    req.session.set('flash', { key: 'company.saved' });
    return redirect('/company');
  });
}
