import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { ROOT } from '../config.ts';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const DIR = path.join(ROOT, 'migrations');

/** Loads our TypeScript migrations directly (Node runs them natively), in file-name order. */
const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(DIR).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort();
  },
  getMigrationName: (name) => name,
  async getMigration(name) {
    return (await import(pathToFileURL(path.join(DIR, name)).href)) as Migration;
  },
};

const options = { migrationSource: source, tableName: 'knex_migrations' };

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(options)) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback(options, true);
}
