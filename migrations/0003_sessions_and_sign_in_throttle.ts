import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    // Read and written by the session store with the owner's handle before a request's context exists.
    // portal_app has no privilege on it at all, so no request query can read another session.
    `CREATE TABLE sessions (
       sid text PRIMARY KEY,
       sess jsonb NOT NULL,
       expires_at timestamptz NOT NULL,
       user_id integer REFERENCES users (id) ON DELETE CASCADE
     )`,
    `CREATE INDEX sessions_expires_at ON sessions (expires_at)`,
    `CREATE INDEX sessions_user ON sessions (user_id)`,
    `REVOKE ALL ON sessions FROM portal_app`,

    // Failed sign-ins per account and per address, counted in fixed windows.
    `CREATE TABLE sign_in_throttle (
       key text PRIMARY KEY,
       failures integer NOT NULL,
       window_started_at timestamptz NOT NULL
     )`,
    `ALTER TABLE sign_in_throttle ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE sign_in_throttle FORCE ROW LEVEL SECURITY`,
    // Keys hold email addresses: only the sign-in context may touch them.
    `CREATE POLICY sign_in_throttle_signin ON sign_in_throttle USING (app_context() = 'signin') WITH CHECK (app_context() = 'signin')`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_throttle TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `DROP TABLE sign_in_throttle`, `DROP TABLE sessions`);
}
