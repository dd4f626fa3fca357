// npm run bench: a partner book of 200,000 customers, and what a user waits for: the first page, a page deep
// in the book (by cursor), a search, and the provider's merged list. Each must stay fast however large the book;
// the figures are printed, and the run fails if any page takes a second or more.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '../src/db/connect.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { inContext } from '../src/db/scope.ts';
import { listAccounts, encodeCursor } from '../src/repositories/customers.ts';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200_000);
const LIMIT_MS = 1000;

const dir = process.env.DATABASE_URL ? null : mkdtempSync(path.join(tmpdir(), 'portal-bench-'));
const database = await connect({ databaseUrl: process.env.DATABASE_URL, dataDir: dir ?? '' });
let failed = false;
try {
  await migrateLatest(database.knex);
  const knex = database.knex;
  const [partner] = await knex('partners').insert({ name: `Bench book ${Date.now()}`, status: 'active' }).returning('id');
  const loaded = performance.now();
  await knex.raw(
    `INSERT INTO customer_accounts (partner_id, name, website_domain, country)
     SELECT ?, 'Customer ' || lpad(g::text, 7, '0'), 'customer-' || g || '.example', (ARRAY['DE','AT','CZ','EE','IT'])[1 + g % 5]
       FROM generate_series(1, ?) g`,
    [partner.id, ACCOUNTS],
  );
  await knex.raw('ANALYZE customer_accounts');
  console.log(`loaded ${ACCOUNTS} accounts in ${((performance.now() - loaded) / 1000).toFixed(1)} s`);

  const filters = { q: '', country: '', industry: '', relationship: '', archived: false };
  const time = async (label: string, work: (db: Parameters<Parameters<typeof inContext>[2]>[0]) => Promise<unknown>) => {
    const started = performance.now();
    await inContext(knex, { context: 'partner', partnerId: partner.id }, work);
    const ms = performance.now() - started;
    console.log(`${label.padEnd(36)} ${ms.toFixed(1)} ms`);
    if (ms >= LIMIT_MS) failed = true;
  };
  await time('first page', (db) => (listAccounts(db, { partnerId: partner.id }, filters, null)));
  const deep = `customer ${String(Math.floor(ACCOUNTS * 0.9)).padStart(7, '0')}`;
  await time('page at 90 % (cursor)', (db) => (listAccounts(db, { partnerId: partner.id }, filters, JSON.parse(Buffer.from(encodeCursor(deep, 1), 'base64url').toString()))));
  await time('search "0123456" (trigram)', (db) => (listAccounts(db, { partnerId: partner.id }, { ...filters, q: '0123456' }, null)));
  await time('country filter', (db) => (listAccounts(db, { partnerId: partner.id }, { ...filters, country: 'EE' }, null)));
  await knex('customer_accounts').where('partner_id', partner.id).delete();
  await knex('partners').where('id', partner.id).delete();
} finally {
  await database.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
