// npm run bench: imports a generated 10,000-row customer file the way the import page does (parse, check every
// row, insert in one transaction as the partner) and fails if it takes 10 seconds or more. Uses DATABASE_URL, or a
// throwaway embedded database. Not part of `npm test`: timings belong here, not in the suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '../src/db/connect.ts';
import { migrateLatest } from '../src/db/migrate.ts';
import { inContext } from '../src/db/scope.ts';
import { importRows, parseImport, rejectKnownDomains } from '../src/services/customer-import.ts';

const ROWS = 10_000;
const LIMIT_MS = 10_000;

const dir = process.env.DATABASE_URL ? null : mkdtempSync(path.join(tmpdir(), 'portal-bench-'));
const database = await connect({ databaseUrl: process.env.DATABASE_URL, dataDir: dir ?? '' });
let failed = false;
try {
  await migrateLatest(database.knex);
  const [partner] = await database.knex('partners').insert({ name: `Bench import ${Date.now()}`, status: 'active' }).returning('id');
  const countries = ['DE', 'AT', 'CZ', 'EE', 'IT'];
  const lines = ['name,website,country,industry,size,address,notes,contact_name,contact_email,contact_phone,contact_job_title'];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`Bench Customer ${i},bench-${i}.example,${countries[i % 5]},Retail,11-50,"Street ${i}, Town",Met at fair ${i},Contact ${i},contact${i}@bench-${i}.example,+49 30 ${1000000 + i},IT manager`);
  }
  const file = Buffer.from(`${lines.join('\r\n')}\r\n`);

  const started = performance.now();
  const imported = await inContext(database.knex, { context: 'partner', partnerId: partner.id }, async (db) => {
    const parsed = parseImport(file);
    if (!parsed.ok) throw new Error(`file refused: ${parsed.reason}`);
    await rejectKnownDomains(db, { partnerId: partner.id }, parsed);
    if (parsed.problems.length) throw new Error(`unexpected rejects: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
    return importRows(db, { partnerId: partner.id }, parsed.rows);
  });
  const ms = performance.now() - started;
  const kind = database.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite';
  console.log(`customer import: ${imported} rows (${(file.length / 1024).toFixed(0)} KiB) in ${(ms / 1000).toFixed(2)} s on ${kind} (limit ${LIMIT_MS / 1000} s)`);
  failed = imported !== ROWS || ms >= LIMIT_MS;
  await database.knex('customer_accounts').where('partner_id', partner.id).delete();
  await database.knex('customer_contacts').where('partner_id', partner.id).delete();
  await database.knex('partners').where('id', partner.id).delete();
} finally {
  await database.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
