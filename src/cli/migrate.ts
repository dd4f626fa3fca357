// npm run migrate: brings the database (DATABASE_URL, else the embedded one) to the latest schema.
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { connect } from '../db/connect.ts';
import { migrateLatest } from '../db/migrate.ts';

const config = loadConfig();
const database = await connect({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
try {
  const applied = await migrateLatest(database.knex);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
} finally {
  await database.close();
}
