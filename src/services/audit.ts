import type { Knex } from 'knex';
import type { FastifyRequest } from 'fastify';

export type AuditEntry = {
  entityType: string;
  entityId: string | number;
  action: string;
  /** The partner company whose record this is (null for the vendor's own records). */
  partnerId?: number | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** Staff-internal entries (internal notes, routing scores) never show to partners. */
  visibility?: 'company' | 'staff';
};

/** Keeps only the fields that changed, so the trail shows what was edited rather than whole records. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}

/** Records who did what in the request's own transaction: the entry exists exactly when the change does. */
export async function audit(req: FastifyRequest, entry: AuditEntry, db: Knex.Transaction = req.db): Promise<void> {
  const user = req.viewer.user;
  await db('audit_events').insert({
    actor_user_id: user?.id ?? null,
    actor_partner_id: user?.kind === 'partner' ? user.partnerId : null,
    partner_id: entry.partnerId ?? null,
    entity_type: entry.entityType,
    entity_id: String(entry.entityId),
    action: entry.action,
    before: entry.before ? JSON.stringify(entry.before) : null,
    after: entry.after ? JSON.stringify(entry.after) : null,
    visibility: entry.visibility ?? 'company',
    request_id: req.id,
  });
}
