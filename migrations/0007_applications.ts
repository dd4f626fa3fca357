import type { Knex } from 'knex';
import { exec } from '../src/db/connect.ts';

/**
 * Applying happens before any account exists. One narrow function creates the applicant company, its
 * specialties and its first contact, and flags likely duplicates (same website domain, or a similar name)
 * among all partners and applications, which the anonymous context could never read itself.
 */
export async function up(knex: Knex): Promise<void> {
  await exec(
    knex,
    `CREATE FUNCTION submit_application(p_company jsonb, p_specialties integer[], p_email text, p_name text,
                                        p_password_hash text, p_locale text)
       RETURNS TABLE (partner_id integer, user_id integer)
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
       AS $$
       DECLARE v_partner integer;
       DECLARE v_user integer;
       DECLARE v_domain text := nullif(p_company->>'website_domain', '');
       DECLARE v_name text := p_company->>'name';
       DECLARE v_flags jsonb;
       BEGIN
         IF app_context() IS DISTINCT FROM 'anonymous' THEN RETURN; END IF;
         SELECT coalesce(jsonb_agg(jsonb_build_object(
                  'partnerId', p.id, 'name', p.name, 'status', p.status,
                  'reason', CASE WHEN v_domain IS NOT NULL AND p.website_domain = v_domain THEN 'domain' ELSE 'name' END,
                  'similarity', round(similarity(lower(p.name), lower(v_name))::numeric, 2)) ORDER BY p.id), '[]'::jsonb)
           INTO v_flags
           FROM partners p
          WHERE (v_domain IS NOT NULL AND p.website_domain = v_domain)
             OR similarity(lower(p.name), lower(v_name)) >= 0.5;
         INSERT INTO partners (name, status, website, website_domain, country, address, phone, registration_number,
                               employee_count, countries_served, languages, applied_at, duplicate_flags)
           VALUES (v_name, 'applicant', nullif(p_company->>'website', ''), v_domain, p_company->>'country',
                   nullif(p_company->>'address', ''), nullif(p_company->>'phone', ''),
                   nullif(p_company->>'registration_number', ''), (p_company->>'employee_count')::integer,
                   ARRAY(SELECT jsonb_array_elements_text(p_company->'countries_served')),
                   ARRAY(SELECT jsonb_array_elements_text(p_company->'languages')), now(), v_flags)
           RETURNING id INTO v_partner;
         INSERT INTO partner_specialties (partner_id, product_id)
           SELECT v_partner, pr.id FROM products pr WHERE pr.id = ANY (p_specialties) AND pr.status = 'active';
         INSERT INTO users (kind, partner_id, email, name, role, password_hash, locale)
           VALUES ('partner', v_partner, p_email, p_name, 'partner_admin', p_password_hash, p_locale)
           RETURNING id INTO v_user;
         RETURN QUERY SELECT v_partner, v_user;
       END
       $$`,
    `REVOKE EXECUTE ON FUNCTION submit_application(jsonb, integer[], text, text, text, text) FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION submit_application(jsonb, integer[], text, text, text, text) TO portal_app`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await exec(knex, `DROP FUNCTION submit_application(jsonb, integer[], text, text, text, text)`);
}
