import type { Knex } from 'knex';

export type TimelineEntry = { id: number; kind: string; audience: string; partner_id: number | null; partner_name: string | null; actor_name: string | null; data: Record<string, unknown>; at: Date };
export type Note = { id: number; partner_id: number | null; author_name: string | null; company: string | null; visibility: 'company' | 'shared'; body: string; created_at: Date };

/**
 * The timeline and notes as the viewer may see them: the policies decide (a partner sees shared entries up to
 * the end of its part, and its own company's), so the same query serves staff and partners.
 */
export async function timelineOf(db: Knex.Transaction, opportunityId: number): Promise<TimelineEntry[]> {
  const { rows } = await db.raw<{ rows: TimelineEntry[] }>(
    `SELECT e.id, e.kind, e.audience, e.partner_id, coalesce(p.name, n.name) AS partner_name, u.name AS actor_name, e.data, e.at
       FROM opportunity_events e
       LEFT JOIN partners p ON p.id = e.partner_id
       LEFT JOIN LATERAL (SELECT x.name FROM opportunity_partners(e.opportunity_id) x WHERE x.partner_id = e.partner_id LIMIT 1) n ON true
       LEFT JOIN users u ON u.id = e.actor_user_id
      WHERE e.opportunity_id = ? ORDER BY e.at DESC, e.id DESC LIMIT 200`,
    [opportunityId],
  );
  return rows;
}

export async function notesOf(db: Knex.Transaction, opportunityId: number): Promise<Note[]> {
  const { rows } = await db.raw<{ rows: Note[] }>(
    `SELECT n.id, n.partner_id, u.name AS author_name, coalesce(p.name, x.name) AS company, n.visibility, n.body, n.created_at
       FROM opportunity_notes n
       LEFT JOIN partners p ON p.id = n.partner_id
       LEFT JOIN users u ON u.id = n.author_user_id
       LEFT JOIN LATERAL (SELECT y.name FROM opportunity_partners(n.opportunity_id) y WHERE y.partner_id = n.partner_id LIMIT 1) x ON true
      WHERE n.opportunity_id = ? ORDER BY n.created_at DESC, n.id DESC`,
    [opportunityId],
  );
  return rows;
}
