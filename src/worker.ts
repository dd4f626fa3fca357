// npm run worker: delivers the outbox in a process of its own (start the web process with RUN_WORKER=false).
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrateLatest } from './db/migrate.ts';
import { OutboxWorker, deliveryFor } from './jobs/outbox-worker.ts';

const config = loadConfig();
const log = pino({ level: config.logLevel });
if (!config.databaseUrl) {
  // The embedded database belongs to one process; its worker runs inside `npm start`.
  log.error('npm run worker needs DATABASE_URL: with the embedded database the worker runs inside npm start');
  process.exit(1);
}
const database = await connect({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite'), poolMax: 2 });
await migrateLatest(database.knex);
const worker = new OutboxWorker(database.knex, deliveryFor(config), log);
worker.start();
log.info('outbox worker running');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await worker.stop();
    await database.close();
    process.exit(0);
  });
}
