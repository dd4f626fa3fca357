import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { can } from '../../policies/permissions.ts';
import type { CaseListRow } from '../../repositories/cases.ts';

/**
 * The support cases linked to a record (an opportunity, a customer account), for the reader who may see cases:
 * partner users through the cases policy (a sales agent sees their own), the support team all of them.
 * Anyone else gets `linkedCases: null` and the page shows no section.
 */
export async function linkedCases(req: FastifyRequest, load: (db: Knex.Transaction) => Promise<CaseListRow[]>, newCaseUrl?: string) {
  const user = req.viewer.user;
  const staff = user?.kind === 'staff';
  const permitted = !!user && can(user, staff ? 'cases.answer' : 'cases.open');
  return {
    linkedCases: permitted ? await load(req.db) : null,
    caseBase: staff ? '/admin/cases' : '/cases',
    newCaseUrl: permitted && !staff ? newCaseUrl : undefined,
  };
}
