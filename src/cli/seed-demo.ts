// npm run seed:demo: adds the demo data that is missing (never overwrites), on DATABASE_URL or the embedded database.
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { connect } from '../db/connect.ts';
import { migrateLatest } from '../db/migrate.ts';
import { demoLoginsText, seedDemo } from '../seed/demo.ts';

const config = loadConfig();
const database = await connect({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
try {
  await migrateLatest(database.knex);
  const { added } = await seedDemo(database.knex);
  console.log(added.length ? `Added ${added.length} demo records.` : 'Demo data already complete.');
  console.log(demoLoginsText(`http://localhost:${config.port}`));
} finally {
  await database.close();
}
