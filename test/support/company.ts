import type { TestApp } from './app.ts';
import { signedIn } from './client.ts';
import { createPartner, createUser, TEST_PASSWORD } from './factories.ts';

/** A fresh active partner company with one user of the given role, signed in. */
export async function signedInCompany(t: TestApp, role: 'partner_admin' | 'sales_agent' = 'partner_admin') {
  const partner = await createPartner(t.database.knex);
  const user = await createUser(t.database.knex, { partnerId: partner.id, role });
  return { partner, user, client: await signedIn(t.app, user.email, TEST_PASSWORD) };
}
export type SignedInCompany = Awaited<ReturnType<typeof signedInCompany>>;
