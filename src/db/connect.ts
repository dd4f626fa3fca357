import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

export type DatabaseKind = 'postgres' | 'embedded';

export type Database = {
  kind: DatabaseKind;
  /** The owner's handle: migrations, seeding, the session store and background jobs. Requests never get it. */
  knex: Knex;
  /** The embedded engine itself, when there is one (tests dump and restore it). */
  pglite?: PGlite;
  close(): Promise<void>;
};

export type ConnectOptions = {
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; omit for an in-memory one (tests). */
  dataDir?: string | undefined;
  poolMax?: number;
  statementTimeoutMs?: number;
  onConnectionError?: (err: Error) => void;
  /** Preloaded embedded data folder (a dump), used by tests to skip migrating every time. */
  loadDataDir?: Blob | File;
  /** Where the query builder's own warnings go (it writes to the console otherwise). */
  log?: { warn(message: unknown): void; error(message: unknown): void };
};

export async function connect(options: ConnectOptions): Promise<Database> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options);
  return connectEmbedded(options);
}

function connectPostgres(url: string, options: ConnectOptions): Database {
  const statementTimeout = options.statementTimeoutMs ?? 15000;
  const knex = knexFactory({
    client: 'pg',
    ...(options.log ? { log: { warn: options.log.warn, error: options.log.error, deprecate: options.log.warn, debug: () => {} } } : {}),
    connection: {
      connectionString: url,
      connectionTimeoutMillis: 5000,
      statement_timeout: statementTimeout,
      // the lock wait of a FOR UPDATE must not outlive the statement limit
      lock_timeout: statementTimeout,
      idle_in_transaction_session_timeout: 60000,
      application_name: 'partner-portal',
    } as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      // A connection that dies while idle (server restart) emits 'error'; without a listener the process would crash.
      afterCreate(conn: { on(event: 'error', fn: (err: Error) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.on('error', (err) => options.onConnectionError?.(err));
        done(null, conn);
      },
    },
    acquireConnectionTimeout: 10000,
  });
  return { kind: 'postgres', knex, close: () => knex.destroy() };
}

async function connectEmbedded(options: ConnectOptions): Promise<Database> {
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: { pg_trgm, unaccent },
  });
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    // knex-pglite's types do not describe the instance-passing form of `connection`
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: 60000,
  });
  return {
    kind: 'embedded',
    knex,
    pglite,
    async close() {
      await knex.destroy(); // knex-pglite closes the engine with its one connection
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** Runs several statements one by one: the embedded driver refuses more than one statement per query. */
export async function exec(db: Knex | Knex.Transaction, ...statements: string[]): Promise<void> {
  for (const statement of statements) await db.raw(statement);
}

/** Functions the application role alone may call (SECURITY DEFINER ones above all): revoke from PUBLIC, grant to it. */
export async function onlyAppMayExecute(db: Knex | Knex.Transaction, ...signatures: string[]): Promise<void> {
  for (const fn of signatures) await exec(db, `REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC`, `GRANT EXECUTE ON FUNCTION ${fn} TO portal_app`);
}

/**
 * The number of rows a DELETE touched. knex gives a number with pg, but the embedded driver hands back its raw
 * result for deletes ({ affectedRows, rowCount }), so count through this.
 */
export function affected(result: unknown): number {
  if (typeof result === 'number') return result;
  const r = result as { rowCount?: number; affectedRows?: number } | null;
  return r?.rowCount ?? r?.affectedRows ?? 0;
}
