import { linkedCases } from '../cases/linked.ts';
import { casesForAccount } from '../../repositories/cases.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, websiteDomain, type FieldError } from '../../web/forms.ts';
import { HttpError, download, notFound, page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { countries, countryName, isCountry } from '../../i18n/regions.ts';
import { can, type Permission } from '../../policies/permissions.ts';
import {
  COMPANY_SIZES, RELATIONSHIP_STATUSES, accountContacts, decodeCursor, deleteAccount, findAccount, findContact, insertAccount, insertContact,
  archiveAccount, findSharedAccount, inBook, restoreAccount, linkContact, listAccounts, otherContacts, unlinkContact, updateAccount, updateContact, type Account, type AccountFields, type Book, type ListFilters,
} from '../../repositories/customers.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { dapInForce, gdapInForce, invitationUsable, relationshipsOf, twoTierLinks, type Relationship } from '../../repositories/relationships.ts';
import { rightsLines } from './relationships.ts';
import { toCsv } from '../../web/csv.ts';
import { IMPORT_COLUMNS, importRows, parseImport, rejectKnownDomains, rejectsCsv } from '../../services/customer-import.ts';
import type { UploadedFile } from '../../plugins/external/security.ts';
import { idParam } from '../../web/params.ts';

const ACCOUNT_FORM = {
  name: { label: 'customers.name', required: true, maxLength: 200, messages: { required: 'customers.name.required' } },
  website: { label: 'customers.website', maxLength: 300, check: (v: string) => (websiteDomain(v) ? null : 'apply.website.invalid') },
  country: { label: 'apply.country', check: (v: string) => (isCountry(v) ? null : 'apply.country.invalid') },
  industry: { label: 'customers.industry', maxLength: 100 },
  size: { label: 'customers.size', oneOf: COMPANY_SIZES },
  address: { label: 'apply.address', maxLength: 500 },
  notes: { label: 'customers.notes', maxLength: 5000 },
  version: { label: 'form.version' },
} as const;

const CONTACT_FORM = {
  name: { label: 'customers.contact.name', required: true, maxLength: 200, messages: { required: 'customers.contact.name.required' } },
  email: { label: 'people.email', email: true, maxLength: 254 },
  phone: { label: 'apply.phone', maxLength: 50, check: (v: string) => (/^[+()0-9 .\-/]{5,50}$/.test(v) ? null : 'apply.phone.invalid') },
  job_title: { label: 'customers.contact.job_title', maxLength: 100 },
  version: { label: 'form.version' },
} as const;

const LABELS = { name: 'customers.name', website: 'customers.website', country: 'apply.country', industry: 'customers.industry', size: 'customers.size', address: 'apply.address', notes: 'customers.notes' };

/**
 * One set of pages for two books: a partner's own customers (the partner comes from the session) and the
 * vendor's own accounts, kept by staff. The book is never taken from the request.
 */
type BookDef = { base: string; permission: Permission; book(req: FastifyRequest): Book; titleKey: string };

const BOOKS: BookDef[] = [
  { base: '/customers', permission: 'customers.work', titleKey: 'customers.title', book: (req) => ({ partnerId: req.viewer.user!.partnerId! }) },
  { base: '/admin/accounts', permission: 'vendor_accounts.manage', titleKey: 'customers.vendor_title', book: () => ({ partnerId: null }) },
];

export function readFilters(query: unknown): ListFilters {
  const q = (query ?? {}) as Record<string, unknown>;
  const str = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
  const country = str(q.country, 2);
  const relationship = str(q.relationship, 20);
  return {
    q: str(q.q, 100),
    country: isCountry(country) ? country : '',
    industry: str(q.industry, 100),
    relationship: (RELATIONSHIP_STATUSES as readonly string[]).includes(relationship) ? relationship : '',
    archived: q.archived === 'yes',
  };
}

export function filterQuery(filters: ListFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.country) params.set('country', filters.country);
  if (filters.industry) params.set('industry', filters.industry);
  if (filters.relationship) params.set('relationship', filters.relationship);
  if (filters.archived) params.set('archived', 'yes');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

function fieldsOf(values: Record<string, string>): AccountFields {
  return {
    name: values.name!,
    website_domain: values.website ? websiteDomain(values.website) : null,
    country: values.country || null,
    industry: values.industry || null,
    size: values.size || null,
    address: values.address || null,
    notes: values.notes || null,
  };
}

function valuesOf(a: Account): Record<string, string> {
  return { name: a.name, website: a.website_domain ?? '', country: a.country ?? '', industry: a.industry ?? '', size: a.size ?? '', address: a.address ?? '', notes: a.notes ?? '', version: String(a.version) };
}

/** An account's relationships as its pages show them: the open one first, with what is in force. */
async function relationshipView(req: FastifyRequest, accountId: number) {
  const all = await relationshipsOf(req.db, accountId);
  const providers = new Map((await twoTierLinks(req.db)).map((l) => [l.provider_partner_id, l.provider_name]));
  const view = (r: Relationship) => ({
    ...r,
    rights: rightsLines(req.viewer.t, r),
    dapInForce: dapInForce(r),
    gdapInForce: gdapInForce(r),
    usable: invitationUsable(r),
    providerName: r.provider_partner_id ? providers.get(r.provider_partner_id) ?? null : null,
  });
  const open = all.find((r) => r.status === 'invited' || r.status === 'active');
  return { open: open ? view(open) : null, history: all.filter((r) => r !== open && r.status !== 'superseded').map(view) };
}

export default async function customerRoutes(app: FastifyInstance) {
  for (const def of BOOKS) {
    const { base, permission } = def;

    async function listPage(req: FastifyRequest) {
      const filters = readFilters(req.query);
      const after = decodeCursor((req.query as Record<string, unknown>).after);
      const { rows, next } = await listAccounts(req.db, def.book(req), filters, after);
      const locale = req.viewer.locale;
      return page(
        'pages/customers/index',
        {
          title: req.viewer.t(def.titleKey),
          base,
          filters,
          rows: rows.map((r) => ({ ...r, countryName: countryName(r.country, locale) })),
          nextUrl: next ? `${base}${filterQuery(filters, { after: next })}` : null,
          exportUrl: `${base}/export.csv${filterQuery(filters)}`,
          firstPage: !after,
          countries: countries(locale),
          relationships: RELATIONSHIP_STATUSES,
        },
        { partial: 'partials/customers/results' },
      );
    }

    async function formPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], options: { account?: Account; status?: number; stale?: Conflict } = {}) {
      return page(
        'pages/customers/form',
        { title: req.viewer.t(options.account ? 'customers.edit' : 'customers.new'), base, values, errors, account: options.account, conflict: options.stale, countries: countries(req.viewer.locale), sizes: COMPANY_SIZES },
        { status: options.status ?? 200 },
      );
    }

    async function detailPage(req: FastifyRequest, account: Account, form: { values?: Record<string, string>; errors?: FieldError[]; status?: number } = {}) {
      const book = def.book(req);
      return page(
        'pages/customers/show',
        {
          title: account.name,
          base,
          account,
          country: countryName(account.country, req.viewer.locale),
          contacts: await accountContacts(req.db, account.id),
          others: await otherContacts(req.db, book, account.id),
          relationships: book.partnerId === null ? null : await relationshipView(req, account.id),
          opportunities: await req.db('opportunities').where('account_id', account.id).select('id', 'topic', 'state', 'value', 'currency').orderBy('created_at', 'desc').limit(50),
          opportunityBase: book.partnerId === null ? '/admin/opportunities' : '/opportunities',
          ...(await linkedCases(req, (db) => casesForAccount(db, account.id))),
          values: form.values ?? {},
          errors: form.errors ?? [],
        },
        { status: form.status ?? 200 },
      );
    }

    async function account(req: FastifyRequest): Promise<Account> {
      const found = await findAccount(req.db, def.book(req), idParam(req));
      if (!found) throw notFound();
      return found;
    }

    app.get(base, { config: { access: permission } }, async (req) => listPage(req));

    app.get(`${base}/export.csv`, { config: { access: permission } }, async (req) => {
      const filters = readFilters(req.query);
      const { rows } = await listAccounts(req.db, def.book(req), filters, null, 100_000);
      const t = req.viewer.t;
      const csv = toCsv(
        [t('customers.name'), t('customers.website'), t('apply.country'), t('customers.industry'), t('customers.size'), t('customers.relationship'), t('customers.status')],
        rows.map((r) => [r.name, r.website_domain ?? '', r.country ?? '', r.industry ?? '', r.size ?? '', r.relationship_status, r.status]),
      );
      return download(csv, 'text/csv; charset=utf-8', 'customers.csv');
    });

    app.get(`${base}/new`, { config: { access: permission } }, async (req) => formPage(req, { name: '' }, []));

    // CSV import: valid rows go in together, rejected rows come back in a report and a CSV (see customer-import.ts).
    async function importPage(req: FastifyRequest, errors: FieldError[] = [], status = 200) {
      const book = def.book(req);
      const recent = await inBook(req.db('customer_imports').select('id', 'filename', 'imported', 'created_at', req.db.raw('jsonb_array_length(rejected) AS problems')), book).orderBy('created_at', 'desc').limit(5);
      return page('pages/customers/import', { title: req.viewer.t('import.title'), base, columns: IMPORT_COLUMNS, errors, recent }, { status });
    }

    app.get(`${base}/import`, { config: { access: permission } }, async (req) => importPage(req));

    app.get(`${base}/import/template.csv`, { config: { access: permission } }, async () =>
      download(toCsv([...IMPORT_COLUMNS], [['Example Ltd', 'example.com', 'DE', 'Retail', '11-50', 'Hauptstraße 1, Berlin', '', 'Jana Example', 'jana@example.com', '+49 30 1234567', 'IT manager']]), 'text/csv; charset=utf-8', 'customers-template.csv'),
    );

    app.post(`${base}/import`, { config: { access: permission } }, async (req) => {
      const upload = (req.body as Record<string, unknown> | undefined)?.file as UploadedFile | undefined;
      if (!upload || !Buffer.isBuffer(upload.data) || upload.data.length === 0) return importPage(req, [{ field: 'file', key: 'import.file.required' }], 422);
      const parsed = parseImport(upload.data);
      if (!parsed.ok) return importPage(req, [{ field: 'file', key: parsed.reason, vars: parsed.vars }], 422);
      const book = def.book(req);
      await rejectKnownDomains(req.db, book, parsed);
      const imported = await importRows(req.db, book, parsed.rows);
      const t = req.viewer.t;
      const [row] = await req
        .db('customer_imports')
        .insert({
          partner_id: book.partnerId,
          user_id: req.viewer.user!.id,
          filename: (upload.filename || 'import.csv').slice(0, 200),
          imported,
          rejected: JSON.stringify(parsed.problems),
          rejects_csv: parsed.rejected.length ? rejectsCsv(parsed, (key) => t(key)) : null,
        })
        .returning('id');
      await audit(req, { entityType: 'customer_import', entityId: row.id, partnerId: book.partnerId, action: 'imported', after: { imported, rejected_rows: parsed.rejected.length } });
      return redirect(`${base}/imports/${row.id}`);
    });

    async function importRecord(req: FastifyRequest) {
      const record = await inBook(req.db('customer_imports').where('id', idParam(req)), def.book(req)).first();
      if (!record) throw notFound();
      return record as { id: number; filename: string; imported: number; rejected: { line: number; column: string; reason: string }[]; rejects_csv: string | null; created_at: Date };
    }

    app.get(`${base}/imports/:id`, { config: { access: permission } }, async (req) => {
      const record = await importRecord(req);
      const rejectedRows = new Set(record.rejected.map((p) => p.line)).size;
      return page('pages/customers/import-report', { title: req.viewer.t('import.report.title'), base, record, rejectedRows });
    });

    app.get(`${base}/imports/:id/rejects.csv`, { config: { access: permission } }, async (req) => {
      const record = await importRecord(req);
      if (!record.rejects_csv) throw notFound();
      return download(record.rejects_csv, 'text/csv; charset=utf-8', `rejected-rows-${record.id}.csv`);
    });

    app.post(`${base}/new`, { config: { access: permission } }, async (req) => {
      const { values, errors } = parseForm(req.body, ACCOUNT_FORM);
      if (errors.length) return formPage(req, values, errors, { status: 422 });
      const book = def.book(req);
      const fields = fieldsOf(values);
      const id = await insertAccount(req.db, book, fields);
      await audit(req, { entityType: 'customer', entityId: id, partnerId: book.partnerId, action: 'created', after: { ...fields } });
      req.session.set('flash', { key: 'customers.saved', vars: { name: fields.name } });
      return redirect(`${base}/${id}`);
    });

    app.get(`${base}/:id`, { config: { access: permission } }, async (req) => {
      const book = def.book(req);
      const own = await findAccount(req.db, book, idParam(req));
      if (own) return detailPage(req, own);
      // A provider's view of an account its reseller shares through a two-tier relationship: read-only.
      const shared = book.partnerId === null ? undefined : await findSharedAccount(req.db, book.partnerId, idParam(req));
      if (!shared) throw notFound();
      const links = await twoTierLinks(req.db);
      return page('pages/customers/shared', {
        title: shared.name,
        base,
        account: shared,
        country: countryName(shared.country, req.viewer.locale),
        reseller: links.find((l) => l.reseller_partner_id === shared.partner_id)?.reseller_name ?? '',
        relationships: await relationshipView(req, shared.id),
      });
    });

    app.get(`${base}/:id/edit`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      return formPage(req, valuesOf(a), [], { account: a });
    });

    app.post(`${base}/:id/edit`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const { values, errors } = parseForm(req.body, ACCOUNT_FORM);
      if (errors.length) return formPage(req, values, errors, { account: a, status: 422 });
      const book = def.book(req);
      const fields = fieldsOf(values);
      if (!(await updateAccount(req.db, book, a.id, Number(values.version), fields))) {
        const current = valuesOf(a);
        return formPage(req, { ...values, version: current.version! }, [STALE_ERROR('name')], { account: a, status: 409, stale: conflict(current, values, LABELS) });
      }
      const diff = changedFields(fieldsOf(valuesOf(a)), fields);
      if (diff) await audit(req, { entityType: 'customer', entityId: a.id, partnerId: book.partnerId, action: 'updated', ...diff });
      req.session.set('flash', { key: 'customers.saved', vars: { name: fields.name } });
      return redirect(`${base}/${a.id}`);
    });

    /**
     * What deleting would do: an account with history (a relationship, and later opportunities) is archived
     * instead, and one with an active relationship must first have it removed.
     */
    async function deletion(req: FastifyRequest, a: Account): Promise<'delete' | 'archive' | 'blocked'> {
      if (await req.db('opportunities').where('account_id', a.id).first('id')) return 'archive';
      if (def.book(req).partnerId === null) return 'delete';
      const history = await relationshipsOf(req.db, a.id);
      if (history.some((r) => r.status === 'active')) return 'blocked';
      return history.length ? 'archive' : 'delete';
    }

    app.get(`${base}/:id/delete`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      return page('pages/customers/delete', { title: req.viewer.t('customers.delete.title', { name: a.name }), base, account: a, outcome: await deletion(req, a) });
    });

    app.post(`${base}/:id/delete`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const book = def.book(req);
      const outcome = await deletion(req, a);
      if (outcome === 'blocked') throw new HttpError(409, 'customers.delete.blocked');
      if (outcome === 'archive') {
        await archiveAccount(req.db, book, a.id);
        await audit(req, { entityType: 'customer', entityId: a.id, partnerId: book.partnerId, action: 'archived' });
        req.session.set('flash', { key: 'customers.archived_flash', vars: { name: a.name } });
        return redirect(`${base}/${a.id}`);
      }
      await deleteAccount(req.db, book, a.id);
      await audit(req, { entityType: 'customer', entityId: a.id, partnerId: book.partnerId, action: 'deleted', before: { ...fieldsOf(valuesOf(a)) } });
      req.session.set('flash', { key: 'customers.deleted', vars: { name: a.name } });
      return redirect(base);
    });

    app.post(`${base}/:id/restore`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const book = def.book(req);
      if (a.status !== 'archived') throw new HttpError(409, 'customers.restore.not_archived');
      await restoreAccount(req.db, book, a.id);
      await audit(req, { entityType: 'customer', entityId: a.id, partnerId: book.partnerId, action: 'restored' });
      req.session.set('flash', { key: 'customers.restored', vars: { name: a.name } });
      return redirect(`${base}/${a.id}`);
    });

    // Contacts: add a new one to the account, link an existing one, edit (inline with htmx), unlink.
    app.post(`${base}/:id/contacts`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const { values, errors } = parseForm(req.body, CONTACT_FORM);
      if (errors.length) return detailPage(req, a, { values, errors, status: 422 });
      const book = def.book(req);
      const fields = { name: values.name, email: values.email || null, phone: values.phone || null, job_title: values.job_title || null };
      const contactId = await insertContact(req.db, book, fields);
      await linkContact(req.db, book, a.id, contactId);
      await audit(req, { entityType: 'customer_contact', entityId: contactId, partnerId: book.partnerId, action: 'created', after: { ...fields, account: a.id } });
      req.session.set('flash', { key: 'customers.contact.added', vars: { name: fields.name } });
      return redirect(`${base}/${a.id}`);
    });

    app.post(`${base}/:id/contacts/link`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const book = def.book(req);
      const contactId = Number((req.body as Record<string, unknown> | undefined)?.contact_id);
      const contact = await findContact(req.db, book, Number.isSafeInteger(contactId) ? contactId : 0);
      if (!contact) return detailPage(req, a, { errors: [{ field: 'contact_id', key: 'customers.contact.choose' }], status: 422 });
      await linkContact(req.db, book, a.id, contact.id);
      await audit(req, { entityType: 'customer_contact', entityId: contact.id, partnerId: book.partnerId, action: 'linked', after: { account: a.id } });
      return redirect(`${base}/${a.id}`);
    });

    app.post(`${base}/:id/contacts/:contactId/unlink`, { config: { access: permission } }, async (req) => {
      const a = await account(req);
      const contactId = idParam(req, 'contactId');
      if (!(await unlinkContact(req.db, a.id, contactId))) throw notFound();
      await audit(req, { entityType: 'customer_contact', entityId: contactId, partnerId: def.book(req).partnerId, action: 'unlinked', before: { account: a.id } });
      return redirect(`${base}/${a.id}`);
    });

    async function contactRow(req: FastifyRequest, editing: boolean, values?: Record<string, string>, errors: FieldError[] = [], status = 200) {
      const a = await account(req);
      const contact = await findContact(req.db, def.book(req), idParam(req, 'contactId'));
      if (!contact || !(await accountContacts(req.db, a.id)).some((c) => c.id === contact.id)) throw notFound();
      const v = values ?? { name: contact.name, email: contact.email ?? '', phone: contact.phone ?? '', job_title: contact.job_title ?? '', version: String(contact.version) };
      return page('pages/customers/contact', { title: contact.name, base, account: a, contact, editing, values: v, errors }, { status, partial: editing ? 'partials/customers/contact-form' : 'partials/customers/contact-row' });
    }

    app.get(`${base}/:id/contacts/:contactId`, { config: { access: permission } }, async (req) => contactRow(req, false));
    app.get(`${base}/:id/contacts/:contactId/edit`, { config: { access: permission } }, async (req) => contactRow(req, true));

    app.post(`${base}/:id/contacts/:contactId/edit`, { config: { access: permission } }, async (req) => {
      const { values, errors } = parseForm(req.body, CONTACT_FORM);
      if (errors.length) return contactRow(req, true, values, errors, 422);
      const a = await account(req);
      const book = def.book(req);
      const contact = await findContact(req.db, book, idParam(req, 'contactId'));
      if (!contact) throw notFound();
      const fields = { name: values.name, email: values.email || null, phone: values.phone || null, job_title: values.job_title || null };
      if (!(await updateContact(req.db, book, contact.id, Number(values.version), fields))) return contactRow(req, true, { ...values, version: String(contact.version) }, [STALE_ERROR('name')], 409);
      const diff = changedFields({ name: contact.name, email: contact.email, phone: contact.phone, job_title: contact.job_title }, fields);
      if (diff) await audit(req, { entityType: 'customer_contact', entityId: contact.id, partnerId: book.partnerId, action: 'updated', ...diff });
      return redirect(`${base}/${a.id}/contacts/${contact.id}`);
    });
  }

  // Staff see every partner's customers, with the owning partner; read-only here.
  app.get('/admin/customers', { config: { access: 'customers.oversee' } }, async (req) => {
    const filters = readFilters(req.query);
    const after = decodeCursor((req.query as Record<string, unknown>).after);
    const { rows, next } = await listAccounts(req.db, 'all', filters, after);
    const locale = req.viewer.locale;
    return page(
      'pages/customers/index',
      {
        title: req.viewer.t('customers.all_title'),
        base: '/admin/customers',
        overview: true,
        filters,
        rows: rows.map((r) => ({ ...r, countryName: countryName(r.country, locale) })),
        nextUrl: next ? `/admin/customers${filterQuery(filters, { after: next })}` : null,
        exportUrl: null,
        firstPage: !after,
        countries: countries(locale),
        relationships: RELATIONSHIP_STATUSES,
      },
      { partial: 'partials/customers/results' },
    );
  });

  async function partnersAccount(req: FastifyRequest) {
    const a = await findAccount(req.db, 'all', idParam(req));
    if (!a || a.partner_id === null) throw notFound();
    return a;
  }

  app.get('/admin/customers/:id', { config: { access: 'customers.oversee' } }, async (req) => {
    const a = await partnersAccount(req);
    return page('pages/customers/overview', {
      title: a.name, account: a, country: countryName(a.country, req.viewer.locale), contacts: await accountContacts(req.db, a.id), canEdit: can(req.viewer.user!, 'customers.manage_any'),
    });
  });

  // A channel admin may correct a partner's customer (the partner's own book, kept under its name).
  function staffForm(req: FastifyRequest, a: Account, values: Record<string, string>, errors: FieldError[], status = 200, stale?: Conflict) {
    return page(
      'pages/customers/form',
      { title: req.viewer.t('customers.edit'), base: '/admin/customers', values, errors, account: a, conflict: stale, countries: countries(req.viewer.locale), sizes: COMPANY_SIZES },
      { status },
    );
  }

  app.get('/admin/customers/:id/edit', { config: { access: 'customers.manage_any' } }, async (req) => {
    const a = await partnersAccount(req);
    return staffForm(req, a, valuesOf(a), []);
  });

  app.post('/admin/customers/:id/edit', { config: { access: 'customers.manage_any' } }, async (req) => {
    const a = await partnersAccount(req);
    const { values, errors } = parseForm(req.body, ACCOUNT_FORM);
    if (errors.length) return staffForm(req, a, values, errors, 422);
    const book = { partnerId: a.partner_id };
    const fields = fieldsOf(values);
    if (!(await updateAccount(req.db, book, a.id, Number(values.version), fields))) {
      const current = valuesOf(a);
      return staffForm(req, a, { ...values, version: current.version! }, [STALE_ERROR('name')], 409, conflict(current, values, LABELS));
    }
    const diff = changedFields(fieldsOf(valuesOf(a)), fields);
    if (diff) await audit(req, { entityType: 'customer', entityId: a.id, partnerId: a.partner_id, action: 'updated', ...diff });
    req.session.set('flash', { key: 'customers.saved', vars: { name: fields.name } });
    return redirect(`/admin/customers/${a.id}`);
  });
}
