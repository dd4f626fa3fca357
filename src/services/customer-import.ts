import type { Knex } from 'knex';
import { parse } from 'csv-parse/sync';
import { websiteDomain } from '../web/forms.ts';
import { isCountry } from '../i18n/regions.ts';
import { COMPANY_SIZES, inBook, type Book } from '../repositories/customers.ts';
import { toCsv } from '../web/csv.ts';

/**
 * CSV import of customer accounts, one account per row with at most one contact.
 *
 * Policy: every row is checked first; the valid rows are imported together in one transaction and every rejected
 * row comes back in a report (line, column, reason) and as a CSV to correct and import again. A file that cannot
 * be read as a table at all (no name column, broken quoting, too many rows) is refused whole.
 */
export const IMPORT_COLUMNS = ['name', 'website', 'country', 'industry', 'size', 'address', 'notes', 'contact_name', 'contact_email', 'contact_phone', 'contact_job_title'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
export const IMPORT_MAX_ROWS = 20_000;
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

const MAX_LENGTH: Record<Column, number> = {
  name: 200, website: 300, country: 100, industry: 100, size: 20, address: 500, notes: 5000, contact_name: 200, contact_email: 254, contact_phone: 50, contact_job_title: 100,
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+()0-9 .\-/]{5,50}$/;

/** One problem in one cell; `reason` is a message key, `value` what the cell held. */
export type RowProblem = { line: number; column: string; reason: string };

export type ImportRow = {
  line: number;
  account: { name: string; website_domain: string | null; country: string | null; industry: string | null; size: string | null; address: string | null; notes: string | null };
  contact: { name: string; email: string | null; phone: string | null; job_title: string | null } | null;
};

export type ParsedImport =
  | { ok: true; rows: ImportRow[]; problems: RowProblem[]; rejected: { line: number; cells: Record<string, string> }[] }
  | { ok: false; reason: string; vars?: Record<string, string | number> };

/** Excel writes semicolon-separated files where the decimal separator is a comma (de, cs, et, it). */
function delimiterOf(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** Our own export guards formulas with a leading quote; take it off again so an export imports as it was. */
function unguard(value: string): string {
  return /^'[=+\-@]/.test(value) ? value.slice(1) : value;
}

export function parseImport(file: Buffer): ParsedImport {
  // Bytes that are not UTF-8 become U+FFFD; the rows holding them are rejected with a clear reason rather than
  // imported with mangled names. NUL bytes (a UTF-16 "Unicode text" export has one in every other byte) cannot
  // be stored at all: they count as the same problem.
  const text = new TextDecoder('utf-8').decode(file).replace(/^\uFEFF/, '').replaceAll('\u0000', '\uFFFD');
  if (!text.trim()) return { ok: false, reason: 'import.file.empty' };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter: delimiterOf(text), relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    return { ok: false, reason: 'import.file.unreadable', vars: { line: line ?? 1 } };
  }
  const [head, ...body] = records;
  const header = head!.record.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  if (!header.includes('name')) return { ok: false, reason: 'import.file.no_name' };
  if (body.length === 0) return { ok: false, reason: 'import.file.empty' };
  if (body.length > IMPORT_MAX_ROWS) return { ok: false, reason: 'import.file.too_many', vars: { max: IMPORT_MAX_ROWS } };

  const rows: ImportRow[] = [];
  const problems: RowProblem[] = [];
  const rejected: { line: number; cells: Record<string, string> }[] = [];
  const domainsInFile = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    const cells: Record<string, string> = {};
    header.forEach((h, i) => {
      if ((IMPORT_COLUMNS as readonly string[]).includes(h)) cells[h] = unguard((record[i] ?? '').trim());
    });
    const get = (c: Column) => cells[c] ?? '';
    const found: RowProblem[] = [];
    const problem = (column: Column, reason: string) => found.push({ line, column, reason });

    for (const c of IMPORT_COLUMNS) {
      if (get(c).includes('\uFFFD')) problem(c, 'import.reason.encoding');
      else if (get(c).length > MAX_LENGTH[c]) problem(c, 'import.reason.too_long');
    }
    if (!get('name')) problem('name', 'import.reason.name_missing');
    let domain: string | null = null;
    if (get('website')) {
      domain = websiteDomain(get('website'));
      if (!domain) problem('website', 'import.reason.website');
      else if (domainsInFile.has(domain)) problem('website', 'import.reason.duplicate_in_file');
    }
    const country = get('country').toUpperCase();
    if (country && !isCountry(country)) problem('country', 'import.reason.country');
    if (get('size') && !(COMPANY_SIZES as readonly string[]).includes(get('size'))) problem('size', 'import.reason.size');
    const hasContact = get('contact_name') || get('contact_email') || get('contact_phone') || get('contact_job_title');
    if (hasContact && !get('contact_name')) problem('contact_name', 'import.reason.contact_name_missing');
    if (get('contact_email') && !EMAIL.test(get('contact_email'))) problem('contact_email', 'import.reason.email');
    if (get('contact_phone') && !PHONE.test(get('contact_phone'))) problem('contact_phone', 'import.reason.phone');

    // Keep the first problem per column: one clear reason per cell.
    const unique = found.filter((p, i) => found.findIndex((q) => q.column === p.column) === i);
    if (unique.length) {
      problems.push(...unique);
      rejected.push({ line, cells });
      continue;
    }
    if (domain) domainsInFile.set(domain, line);
    rows.push({
      line,
      account: {
        name: get('name'),
        website_domain: domain,
        country: country || null,
        industry: get('industry') || null,
        size: get('size') || null,
        address: get('address') || null,
        notes: get('notes') || null,
      },
      contact: hasContact ? { name: get('contact_name'), email: get('contact_email') || null, phone: get('contact_phone') || null, job_title: get('contact_job_title') || null } : null,
    });
  }
  return { ok: true, rows, problems, rejected };
}

/** Rows whose website domain the book already has are rejected too: the same company twice is a mistake. */
export async function rejectKnownDomains(db: Knex.Transaction, book: Book, parsed: Extract<ParsedImport, { ok: true }>): Promise<void> {
  const domains = parsed.rows.map((r) => r.account.website_domain).filter((d): d is string => !!d);
  if (!domains.length) return;
  const q = inBook(db('customer_accounts').whereIn('website_domain', domains).select('website_domain'), book);
  const known = new Set((await q).map((r: { website_domain: string }) => r.website_domain));
  if (!known.size) return;
  const keep: ImportRow[] = [];
  for (const row of parsed.rows) {
    if (row.account.website_domain && known.has(row.account.website_domain)) {
      parsed.problems.push({ line: row.line, column: 'website', reason: 'import.reason.duplicate_in_book' });
      parsed.rejected.push({ line: row.line, cells: cellsOf(row) });
    } else keep.push(row);
  }
  parsed.rows = keep;
  parsed.problems.sort((a, b) => a.line - b.line);
  parsed.rejected.sort((a, b) => a.line - b.line);
}

function cellsOf(row: ImportRow): Record<string, string> {
  const a = row.account;
  const c = row.contact;
  return {
    name: a.name, website: a.website_domain ?? '', country: a.country ?? '', industry: a.industry ?? '', size: a.size ?? '', address: a.address ?? '', notes: a.notes ?? '',
    contact_name: c?.name ?? '', contact_email: c?.email ?? '', contact_phone: c?.phone ?? '', contact_job_title: c?.job_title ?? '',
  };
}

const CHUNK = 1000;

/** Inserts the valid rows in the caller's transaction, in batches, with their notes, contacts and links. */
export async function importRows(db: Knex.Transaction, book: Book, rows: ImportRow[]): Promise<number> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const accounts: { id: number }[] = await db('customer_accounts')
      .insert(chunk.map((r) => ({ partner_id: book.partnerId, name: r.account.name, website_domain: r.account.website_domain, country: r.account.country, industry: r.account.industry, size: r.account.size, address: r.account.address })))
      .returning('id');
    const notes = chunk.flatMap((r, i) => (r.account.notes ? [{ account_id: accounts[i]!.id, partner_id: book.partnerId, notes: r.account.notes }] : []));
    if (notes.length) await db('customer_account_notes').insert(notes);
    const withContact = chunk.map((r, i) => ({ contact: r.contact, accountId: accounts[i]!.id })).filter((x) => x.contact);
    if (withContact.length) {
      const contacts: { id: number }[] = await db('customer_contacts')
        .insert(withContact.map((x) => ({ partner_id: book.partnerId, ...x.contact! })))
        .returning('id');
      await db('customer_account_contacts').insert(withContact.map((x, i) => ({ account_id: x.accountId, contact_id: contacts[i]!.id, partner_id: book.partnerId })));
    }
  }
  return rows.length;
}

/** The rejected rows as a CSV to correct and import again: the original columns, then line and reasons. */
export function rejectsCsv(parsed: Extract<ParsedImport, { ok: true }>, reasonText: (key: string) => string): string {
  const byLine = new Map<number, RowProblem[]>();
  for (const p of parsed.problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  return toCsv(
    [...IMPORT_COLUMNS, 'line', 'problems'],
    parsed.rejected.map((r) => [
      ...IMPORT_COLUMNS.map((c) => (r.cells[c] ?? '').replace(/\uFFFD/g, '?')),
      r.line,
      (byLine.get(r.line) ?? []).map((p) => `${p.column}: ${reasonText(p.reason)}`).join('; '),
    ]),
  );
}
