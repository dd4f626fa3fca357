import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, parseList, websiteDomain, type FieldError } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { countries, isCountry, isLanguage, languages } from '../../i18n/regions.ts';
import { listProducts } from '../../repositories/products.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGES, PASSWORD_MIN_LENGTH } from '../../services/passwords.ts';
import { audit } from '../../services/audit.ts';
import { queueEmail, absoluteUrl } from '../../services/mail.ts';
import { notify, staffRecipients } from '../../services/notify.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { SessionAuth } from '../../web/session-data.ts';

const PHONE = /^[+()0-9 .\-/]{5,50}$/;

export const COMPANY_FIELDS = {
  company_name: { label: 'apply.company_name', required: true, maxLength: 200, messages: { required: 'apply.company_name.required' } },
  website: { label: 'apply.website', maxLength: 300, check: (v: string) => (websiteDomain(v) ? null : 'apply.website.invalid') },
  country: { label: 'apply.country', required: true, check: (v: string) => (isCountry(v) ? null : 'apply.country.invalid'), messages: { required: 'apply.country.required' } },
  address: { label: 'apply.address', maxLength: 500 },
  phone: { label: 'apply.phone', maxLength: 50, check: (v: string) => (PHONE.test(v) ? null : 'apply.phone.invalid') },
  registration_number: { label: 'apply.registration_number', maxLength: 50 },
  employee_count: { label: 'apply.employee_count', maxLength: 7, check: (v: string) => (/^\d{1,7}$/.test(v) ? null : 'apply.employee_count.invalid') },
} as const;

const FORM = {
  ...COMPANY_FIELDS,
  contact_name: { label: 'apply.contact_name', required: true, maxLength: 200, messages: { required: 'apply.contact_name.required' } },
  email: { label: 'apply.email', required: true, email: true, maxLength: 254, messages: { required: 'apply.email.required' } },
  password: { label: 'apply.password', required: true, raw: true, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, messages: PASSWORD_MESSAGES },
} as const;

type Lists = { specialties: string[]; countries_served: string[]; languages: string[] };

/** Checks the multi-value fields against what the form offered; anything else is an error on that field. */
export async function parseCompanyLists(req: FastifyRequest, body: unknown): Promise<{ lists: Lists; errors: FieldError[] }> {
  const lists: Lists = { specialties: parseList(body, 'specialties'), countries_served: parseList(body, 'countries_served'), languages: parseList(body, 'languages') };
  const errors: FieldError[] = [];
  const productIds = new Set((await listProducts(req.db)).map((p) => String(p.id)));
  if (lists.specialties.some((id) => !productIds.has(id))) errors.push({ field: 'specialties', key: 'apply.specialties.invalid' });
  if (lists.countries_served.some((c) => !isCountry(c))) errors.push({ field: 'countries_served', key: 'apply.countries_served.invalid' });
  if (lists.languages.some((l) => !isLanguage(l))) errors.push({ field: 'languages', key: 'apply.languages.invalid' });
  return { lists, errors };
}

export async function companyFormOptions(req: FastifyRequest) {
  const locale = req.viewer.locale;
  return { products: await listProducts(req.db), countries: countries(locale), languageOptions: languages(locale) };
}

async function applyPage(req: FastifyRequest, values: Record<string, string>, lists: Lists, errors: FieldError[], status = 200) {
  return page('pages/apply/index', { title: req.viewer.t('apply.title'), values, lists, errors, ...(await companyFormOptions(req)) }, { status });
}

const EMPTY = { specialties: [], countries_served: [], languages: [] };

export default async function applyRoutes(app: FastifyInstance) {
  app.get('/apply', { config: { access: 'public' } }, async (req) => {
    if (req.viewer.user) return redirect('/home');
    return applyPage(req, { country: '' }, EMPTY, []);
  });

  app.post('/apply', { config: { access: 'public' } }, async (req) => {
    if (req.viewer.user) return redirect('/home');
    const { values, errors } = parseForm(req.body, FORM);
    const { lists, errors: listErrors } = await parseCompanyLists(req, req.body);
    errors.push(...listErrors);
    if (!errors.some((e) => e.field === 'email') && values.email) {
      const { rows } = await req.db.raw('SELECT email_in_use(?) AS taken', [values.email]);
      if (rows[0].taken) errors.push({ field: 'email', key: 'apply.email.taken' });
    }
    if (errors.length) return applyPage(req, values, lists, errors, 422);

    const company = {
      name: values.company_name,
      website: values.website,
      website_domain: websiteDomain(values.website) ?? '',
      country: values.country,
      address: values.address,
      phone: values.phone,
      registration_number: values.registration_number,
      employee_count: values.employee_count === '' ? null : Number(values.employee_count),
      countries_served: lists.countries_served,
      languages: lists.languages,
    };
    const passwordHash = await hashPassword(values.password);
    let created: { partner_id: number; user_id: number } | undefined;
    try {
      // A savepoint, so an address taken a moment ago (a race with the check above) is a form error, not a 500.
      created = await req.db.transaction(async (sp) => {
        const { rows } = await sp.raw('SELECT * FROM submit_application(?::jsonb, ?::integer[], ?, ?, ?, ?)', [
          JSON.stringify(company), lists.specialties.map(Number), values.email, values.contact_name, passwordHash, req.viewer.locale,
        ]);
        return rows[0];
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return applyPage(req, values, lists, [{ field: 'email', key: 'apply.email.taken' }], 422);
    }
    if (!created) throw new Error('submit_application returned nothing');
    const { partner_id: partnerId, user_id: userId } = created;

    await audit(req, { entityType: 'partner', entityId: partnerId, partnerId, action: 'applied', after: { ...company, specialties: lists.specialties.map(Number), contact: values.email } });
    await queueEmail(req, {
      eventKey: `application-received:${partnerId}`,
      to: values.email,
      toName: values.contact_name,
      locale: req.viewer.locale,
      template: 'application_received',
      params: { name: values.contact_name, company: values.company_name, link: absoluteUrl(req, '/home') },
    });
    await notify(req, 'application.submitted', await staffRecipients(req, ['channel_admin', 'channel_manager']), {
      key: `application-submitted:${partnerId}`,
      link: `/admin/applications/${partnerId}`,
      params: { company: values.company_name },
    });

    // The applicant is signed in straight away and sees the status of the application.
    const auth: SessionAuth = { userId, kind: 'partner', partnerId, signedInAt: Date.now() };
    const locale = req.viewer.locale;
    req.afterCommit(async () => {
      await req.session.regenerate();
      req.session.set('auth', auth);
      req.session.set('locale', locale);
      req.session.set('flash', { key: 'apply.submitted' });
    });
    return redirect('/home');
  });
}
