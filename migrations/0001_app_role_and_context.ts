import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

// The role is cluster-wide: several databases (tests) may create it at once, hence the exception handler.
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DO $$ BEGIN
       CREATE ROLE portal_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
     EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
     END $$`,
    `GRANT USAGE ON SCHEMA public TO portal_app`,
    // Context helpers. A missing or empty setting yields NULL, so every policy comparing with it fails closed.
    `CREATE FUNCTION app_context() RETURNS text LANGUAGE sql STABLE
       AS $$ SELECT nullif(current_setting('app.context', true), '') $$`,
    `CREATE FUNCTION app_user_id() RETURNS integer LANGUAGE sql STABLE
       AS $$ SELECT nullif(current_setting('app.user_id', true), '')::integer $$`,
    `CREATE FUNCTION app_partner_id() RETURNS integer LANGUAGE sql STABLE
       AS $$ SELECT nullif(current_setting('app.partner_id', true), '')::integer $$`,
    `CREATE FUNCTION app_is_staff() RETURNS boolean LANGUAGE sql STABLE
       AS $$ SELECT coalesce(current_setting('app.context', true), '') = 'staff' $$`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(
    knex,
    `DROP FUNCTION app_is_staff()`,
    `DROP FUNCTION app_partner_id()`,
    `DROP FUNCTION app_user_id()`,
    `DROP FUNCTION app_context()`,
    `REVOKE USAGE ON SCHEMA public FROM portal_app`,
  );
}
