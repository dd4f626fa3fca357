import type { Knex } from 'knex';
import { affected } from '../db/connect.ts';
import { containsPattern } from '../db/like.ts';

/** Whose book: a partner's (from the session) or the vendor's own (no partner). */
export type Book = { partnerId: number | null };

export const COMPANY_SIZES = ['1-10', '11-50', '51-200', '201-1000', '1001+'] as const;
export const RELATIONSHIP_STATUSES = ['none', 'invited', 'active', 'declined', 'removed'] as const;
export const PAGE_SIZE = 25;

export type Account = {
  id: number;
  partner_id: number | null;
  name: string;
  /** lower(name), stored: the list's sort and cursor key. */
  sort_name?: string;
  website_domain: string | null;
  country: string | null;
  industry: string | null;
  size: string | null;
  address: string | null;
  /** Private to the owning book: read from its own table, never shown to a provider. */
  notes?: string | null;
  status: 'active' | 'archived';
  relationship_status: (typeof RELATIONSHIP_STATUSES)[number];
  version: number;
};

export type Contact = { id: number; name: string; email: string | null; phone: string | null; job_title: string | null; version: number };

const ACCOUNT_COLUMNS = ['a.id', 'a.partner_id', 'a.name', 'a.sort_name', 'a.website_domain', 'a.country', 'a.industry', 'a.size', 'a.address', 'a.status', 'a.relationship_status', 'a.version'];

/** Restricts a query to one book (the policies restrict it too). */
export function inBook<T extends Knex.QueryBuilder>(q: T, book: Book, column = 'partner_id'): T {
  return (book.partnerId === null ? q.whereNull(column) : q.where(column, book.partnerId)) as T;
}

export type ListFilters = { q: string; country: string; industry: string; relationship: string; archived: boolean };

/** Opaque keyset cursor: the last row's sort key, so the cost of a page does not grow with its depth. */
export function encodeCursor(sortName: string, id: number): string {
  return Buffer.from(JSON.stringify([sortName, id])).toString('base64url');
}

export function decodeCursor(value: unknown): [string, number] | null {
  if (typeof value !== 'string' || value.length > 600) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && Number.isSafeInteger(parsed[1])) return [parsed[0], parsed[1]];
  } catch {
    // a cursor someone typed by hand: start from the beginning
  }
  return null;
}

/**
 * One page of a book, sorted by name. Search matches the name, the website domain, or a linked contact's name
 * or email (trigram indexes serve the substring matches). A partner's page also holds the accounts its resellers
 * share with it through two-tier relationships (`shared`); each branch is its own keyset scan, merged here.
 */
export async function listAccounts(db: Knex.Transaction, book: Book | 'all', filters: ListFilters, after: [string, number] | null, limit = PAGE_SIZE) {
  const branch = () => {
    const q = db('customer_accounts as a').select(ACCOUNT_COLUMNS).select('p.name as partner_name').leftJoin('partners as p', 'p.id', 'a.partner_id');
    applyFilters(db, q, filters);
    if (after) q.whereRaw('(a.sort_name, a.id) > (?, ?)', after);
    return q.orderByRaw('a.sort_name, a.id').limit(limit + 1);
  };
  let rows: (Account & { partner_name: string | null; shared: boolean })[];
  if (book === 'all') {
    // The staff overview of partners' books; the vendor's own book has pages of its own.
    rows = await branch().whereNotNull('a.partner_id').select(db.raw('false AS shared'));
  } else if (book.partnerId === null) {
    rows = await branch().whereNull('a.partner_id').select(db.raw('false AS shared'));
  } else {
    const own = branch().where('a.partner_id', book.partnerId).select(db.raw('false AS shared'));
    const shared = branch()
      .whereNot('a.partner_id', book.partnerId)
      .whereExists((e) => e.select(db.raw('1')).from('customer_relationships as r').whereRaw('r.account_id = a.id').where('r.provider_partner_id', book.partnerId).whereIn('r.status', ['active', 'removed']))
      .select(db.raw('true AS shared'));
    rows = await db.select('*').from(db.raw('((?) UNION ALL (?)) AS u', [own, shared])).orderByRaw('u.sort_name, u.id').limit(limit + 1);
  }
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeCursor(last.sort_name ?? last.name.toLowerCase(), last.id) : null };
}

function applyFilters(db: Knex.Transaction, q: Knex.QueryBuilder, filters: ListFilters): void {
  if (!filters.archived) q.where('a.status', 'active');
  if (filters.country) q.where('a.country', filters.country);
  if (filters.industry) q.whereRaw('lower(a.industry) = lower(?)', [filters.industry]);
  if (filters.relationship) q.where('a.relationship_status', filters.relationship);
  if (filters.q) {
    const like = containsPattern(filters.q);
    q.where((w) =>
      w
        .whereRaw('lower(a.name) LIKE ?', [like])
        .orWhereRaw('a.website_domain LIKE ?', [like])
        .orWhereExists((e) =>
          e.select(db.raw('1')).from('customer_account_contacts as l').join('customer_contacts as c', 'c.id', 'l.contact_id').whereRaw('l.account_id = a.id').andWhereRaw(`lower(c.name || ' ' || coalesce(c.email, '')) LIKE ?`, [like]),
        ),
    );
  }
}

/** An account of this book, with its private notes. */
export async function findAccount(db: Knex.Transaction, book: Book | 'all', id: number): Promise<(Account & { partner_name: string | null }) | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const q = db('customer_accounts as a')
    .select(ACCOUNT_COLUMNS)
    .select('p.name as partner_name', 'n.notes')
    .leftJoin('partners as p', 'p.id', 'a.partner_id')
    .leftJoin('customer_account_notes as n', 'n.account_id', 'a.id')
    .where('a.id', id);
  if (book !== 'all') inBook(q, book, 'a.partner_id');
  return q.first();
}

/** An account another partner shares with this one through a two-tier relationship: no notes, no contacts. */
export async function findSharedAccount(db: Knex.Transaction, partnerId: number, id: number): Promise<Account | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return db('customer_accounts as a')
    .select(ACCOUNT_COLUMNS)
    .where('a.id', id)
    .whereNot('a.partner_id', partnerId)
    .whereExists((e) => e.select(db.raw('1')).from('customer_relationships as r').whereRaw('r.account_id = a.id').where('r.provider_partner_id', partnerId).whereIn('r.status', ['active', 'removed']))
    .first();
}

export type AccountFields = Pick<Account, 'name' | 'website_domain' | 'country' | 'industry' | 'size' | 'address' | 'notes'>;

export async function insertAccount(db: Knex.Transaction, book: Book, fields: AccountFields): Promise<number> {
  const { notes, ...columns } = fields;
  const [row] = await db('customer_accounts').insert({ ...columns, partner_id: book.partnerId }).returning('id');
  await saveNotes(db, book, row.id, notes ?? null);
  return row.id;
}

async function saveNotes(db: Knex.Transaction, book: Book, accountId: number, notes: string | null): Promise<void> {
  if (notes) await db('customer_account_notes').insert({ account_id: accountId, partner_id: book.partnerId, notes }).onConflict('account_id').merge(['notes']);
  else await db('customer_account_notes').where('account_id', accountId).delete();
}

export async function updateAccount(db: Knex.Transaction, book: Book, id: number, version: number, fields: AccountFields): Promise<boolean> {
  const q = db('customer_accounts').where({ id, version });
  inBook(q, book);
  const { notes, ...columns } = fields;
  if ((await q.update({ ...columns, version: version + 1, updated_at: db.fn.now() })) !== 1) return false;
  await saveNotes(db, book, id, notes ?? null);
  return true;
}

export async function archiveAccount(db: Knex.Transaction, book: Book, id: number): Promise<void> {
  await inBook(db('customer_accounts').where({ id }), book).update({ status: 'archived', updated_at: db.fn.now() });
}

export async function restoreAccount(db: Knex.Transaction, book: Book, id: number): Promise<void> {
  await inBook(db('customer_accounts').where({ id }), book).update({ status: 'active', updated_at: db.fn.now() });
}

export async function deleteAccount(db: Knex.Transaction, book: Book, id: number): Promise<boolean> {
  const q = db('customer_accounts').where({ id });
  inBook(q, book);
  return affected(await q.delete()) === 1;
}

export async function accountContacts(db: Knex.Transaction, accountId: number): Promise<Contact[]> {
  return db('customer_contacts as c')
    .join('customer_account_contacts as l', 'l.contact_id', 'c.id')
    .where('l.account_id', accountId)
    .select('c.id', 'c.name', 'c.email', 'c.phone', 'c.job_title', 'c.version')
    .orderByRaw('lower(c.name), c.id');
}

/** Contacts of the book not yet linked to this account, to link an existing one. */
export async function otherContacts(db: Knex.Transaction, book: Book, accountId: number): Promise<Contact[]> {
  const q = db('customer_contacts as c')
    .select('c.id', 'c.name', 'c.email', 'c.phone', 'c.job_title', 'c.version')
    .whereNotExists((e) => e.select(db.raw('1')).from('customer_account_contacts as l').whereRaw('l.contact_id = c.id').andWhere('l.account_id', accountId))
    .orderByRaw('lower(c.name), c.id')
    .limit(500);
  inBook(q, book, 'c.partner_id');
  return q;
}

export async function findContact(db: Knex.Transaction, book: Book, id: number): Promise<Contact | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const q = db('customer_contacts').select('id', 'name', 'email', 'phone', 'job_title', 'version').where('id', id);
  inBook(q, book);
  return q.first();
}

export type ContactFields = Pick<Contact, 'name' | 'email' | 'phone' | 'job_title'>;

export async function insertContact(db: Knex.Transaction, book: Book, fields: ContactFields): Promise<number> {
  const [row] = await db('customer_contacts').insert({ ...fields, partner_id: book.partnerId }).returning('id');
  return row.id;
}

export async function updateContact(db: Knex.Transaction, book: Book, id: number, version: number, fields: ContactFields): Promise<boolean> {
  const q = db('customer_contacts').where({ id, version });
  inBook(q, book);
  return (await q.update({ ...fields, version: version + 1, updated_at: db.fn.now() })) === 1;
}

export async function linkContact(db: Knex.Transaction, book: Book, accountId: number, contactId: number): Promise<void> {
  await db('customer_account_contacts').insert({ account_id: accountId, contact_id: contactId, partner_id: book.partnerId }).onConflict(['account_id', 'contact_id']).ignore();
}

export async function unlinkContact(db: Knex.Transaction, accountId: number, contactId: number): Promise<boolean> {
  return affected(await db('customer_account_contacts').where({ account_id: accountId, contact_id: contactId }).delete()) === 1;
}
