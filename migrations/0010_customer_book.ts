import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

/**
 * Each partner's private customer book, and the vendor's own (partner_id NULL, staff only).
 * Contacts belong to the same book as the accounts they are linked to.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE TABLE customer_accounts (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer REFERENCES partners (id),
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       website_domain text CHECK (length(website_domain) <= 253),
       country char(2) CHECK (country ~ '^[A-Z]{2}$'),
       industry text CHECK (length(industry) <= 100),
       size text CHECK (size IN ('1-10', '11-50', '51-200', '201-1000', '1001+')),
       address text CHECK (length(address) <= 500),
       notes text CHECK (length(notes) <= 5000),
       status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
       relationship_status text NOT NULL DEFAULT 'none' CHECK (relationship_status IN ('none', 'invited', 'active', 'declined', 'removed')),
       version integer NOT NULL DEFAULT 1,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       UNIQUE (id, partner_id)
     )`,
    // Keyset pagination by name within one book, and trigram search on name and domain.
    `CREATE INDEX customer_accounts_book_name ON customer_accounts (partner_id, lower(name), id)`,
    `CREATE INDEX customer_accounts_name_trgm ON customer_accounts USING gin (lower(name) gin_trgm_ops)`,
    `CREATE INDEX customer_accounts_domain_trgm ON customer_accounts USING gin (website_domain gin_trgm_ops)`,
    `ALTER TABLE customer_accounts ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_accounts FORCE ROW LEVEL SECURITY`,
    // The vendor's own accounts (no partner) are visible to staff only.
    `CREATE POLICY customer_accounts_tenant ON customer_accounts
       USING (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
       WITH CHECK (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON customer_accounts TO portal_app`,

    `CREATE TABLE customer_contacts (
       id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       partner_id integer REFERENCES partners (id),
       name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
       email text CHECK (length(email) <= 254),
       phone text CHECK (length(phone) <= 50),
       job_title text CHECK (length(job_title) <= 100),
       version integer NOT NULL DEFAULT 1,
       created_at timestamptz NOT NULL DEFAULT now(),
       updated_at timestamptz NOT NULL DEFAULT now(),
       UNIQUE (id, partner_id)
     )`,
    `CREATE INDEX customer_contacts_book ON customer_contacts (partner_id, lower(name), id)`,
    `CREATE INDEX customer_contacts_search_trgm ON customer_contacts USING gin ((lower(name || ' ' || coalesce(email, ''))) gin_trgm_ops)`,
    `ALTER TABLE customer_contacts ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_contacts FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY customer_contacts_tenant ON customer_contacts
       USING (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
       WITH CHECK (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON customer_contacts TO portal_app`,

    // A contact may be linked to several accounts of the same book; the shared partner_id in both composite
    // keys makes a link across books impossible.
    `CREATE TABLE customer_account_contacts (
       account_id integer NOT NULL,
       contact_id integer NOT NULL,
       partner_id integer,
       PRIMARY KEY (account_id, contact_id),
       FOREIGN KEY (account_id, partner_id) REFERENCES customer_accounts (id, partner_id) ON DELETE CASCADE,
       FOREIGN KEY (contact_id, partner_id) REFERENCES customer_contacts (id, partner_id) ON DELETE CASCADE
     )`,
    `CREATE INDEX customer_account_contacts_contact ON customer_account_contacts (contact_id)`,
    `ALTER TABLE customer_account_contacts ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE customer_account_contacts FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY customer_account_contacts_tenant ON customer_account_contacts
       USING (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))
       WITH CHECK (app_is_staff() OR (partner_id IS NOT NULL AND partner_id = app_partner_id()))`,
    `GRANT SELECT, INSERT, DELETE ON customer_account_contacts TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `DROP TABLE customer_account_contacts`, `DROP TABLE customer_contacts`, `DROP TABLE customer_accounts`);
}
