import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrateLatest } from './db/migrate.ts';
import { demoLoginsText, seedDemo } from './seed/demo.ts';
import { buildApp } from './app.ts';
import { sweepExpiredSessions } from './plugins/external/session.ts';
import path from 'node:path';

const config = loadConfig();
const database = await connect({
  databaseUrl: config.databaseUrl,
  dataDir: path.join(config.dataDir, 'pglite'),
  poolMax: config.dbPoolMax,
  statementTimeoutMs: config.dbStatementTimeoutMs,
  onConnectionError: (err) => app?.log.warn({ err }, 'database connection error'),
  log: { warn: (m) => app?.log.warn({ detail: String(m) }, 'database'), error: (m) => app?.log.error({ detail: String(m) }, 'database') },
});

// eslint-disable-next-line prefer-const
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
await migrateLatest(database.knex);
// The embedded database is the try-it-out mode: it always carries the demo data.
const seeded = database.kind === 'embedded' ? await seedDemo(database.knex) : null;

app = await buildApp({ config, database });
if (config.runWorker) app.outbox.start();
app.clock.start();
const sweeper = setInterval(() => {
  sweepExpiredSessions(database.knex).catch((err) => app?.log.warn({ err }, 'session sweep failed'));
}, 15 * 60 * 1000);
sweeper.unref();

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app?.log.info({ signal }, 'shutting down: draining requests');
  const force = setTimeout(() => process.exit(1), 20000);
  force.unref();
  try {
    clearInterval(sweeper);
    await app?.close(); // stops accepting, waits for in-flight requests
    await database.close();
    process.exit(0);
  } catch (err) {
    app?.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await app.listen({ port: config.port, host: config.host });
const address = app.server.address();
const url = `http://localhost:${typeof address === 'object' && address ? address.port : config.port}`;
if (seeded) {
  if (seeded.added.length) app.log.info({ added: seeded.added.length }, 'demo data added');
  console.log(`\nPartner portal running at ${url} (embedded database in ${path.join(config.dataDir, 'pglite')})\n${demoLoginsText(url)}\n`);
} else {
  console.log(`\nPartner portal running at ${url}\n`);
}
