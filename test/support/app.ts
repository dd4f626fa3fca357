import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { connect, type Database } from '../../src/db/connect.ts';
import { migrateLatest } from '../../src/db/migrate.ts';
import { seedDemo } from '../../src/seed/demo.ts';

export const realPostgres = Boolean(process.env.DATABASE_URL);

/** Connection errors are what some tests provoke; the assertions check the outcome, not the log. */
export const quiet = { warn() {}, error() {} };

/** A database for one test file: the shared, already seeded server database, or a private embedded copy. */
export async function openTestDatabase(options: { poolMax?: number } = {}): Promise<Database> {
  if (realPostgres) return connect({ databaseUrl: process.env.DATABASE_URL, poolMax: options.poolMax ?? 6, statementTimeoutMs: 15000, log: quiet });
  const snapshot = await readFile(inject('embeddedSnapshot'));
  return connect({ loadDataDir: new Blob([snapshot]) });
}

/**
 * A database of the test's own, for what must not be seen by test files running in parallel on a shared
 * server (vendor-wide settings, the last channel admin): a copy of the seeded snapshot on the embedded engine,
 * or, when the run uses PostgreSQL, a freshly migrated and seeded in-memory embedded database.
 */
export async function openPrivateDatabase(): Promise<Database> {
  if (!realPostgres) return openTestDatabase();
  const own = await connect({});
  await migrateLatest(own.knex);
  await seedDemo(own.knex);
  return own;
}

export type TestApp = { app: FastifyInstance; database: Database; close(): Promise<void> };

export const TEST_SESSION_SECRET = 'test-secret-that-is-long-enough-for-signing-0123456789';

export async function createTestApp(options: { database?: Database; logLevel?: string; smtpUrl?: string } = {}): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase());
  const app = await buildApp({
    config: {
      production: false,
      sessionSecret: TEST_SESSION_SECRET,
      trustProxy: false,
      logLevel: options.logLevel ?? 'silent',
      publicUrl: 'http://portal.test',
      smtpUrl: options.smtpUrl,
      mailFrom: 'Partner Portal <portal@portal.test>',
    },
    database,
  });
  await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      if (!options.database) await database.close();
    },
  };
}
