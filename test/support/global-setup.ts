import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect } from '../../src/db/connect.ts';
import { migrateLatest } from '../../src/db/migrate.ts';
import { seedDemo } from '../../src/seed/demo.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedSnapshot: string;
  }
}

/**
 * Migrates and seeds once. On real PostgreSQL every test file then shares that database (tests make fresh
 * partners, so they never collide); the embedded database is dumped after seeding and each test file
 * starts its own copy from the dump.
 */
export default async function setup(project: TestProject) {
  const database = await connect({ databaseUrl: process.env.DATABASE_URL });
  try {
    await migrateLatest(database.knex);
    await seedDemo(database.knex);
    if (database.kind === 'embedded') {
      const dump = await database.pglite!.dumpDataDir('none');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'portal-test-'));
      const file = path.join(dir, 'snapshot.tar');
      await writeFile(file, Buffer.from(await dump.arrayBuffer()));
      project.provide('embeddedSnapshot', file);
      return async () => rm(dir, { recursive: true, force: true });
    }
    project.provide('embeddedSnapshot', '');
  } finally {
    await database.close();
  }
}
