import type { Knex } from 'knex';
import { caseMove, OPEN_STATUSES, REOPEN_DAYS, type CaseAction, type CaseActor, type CasePriority, type CaseStatus } from '../policies/case-states.ts';
import { HttpError } from '../web/results.ts';
import { byCode, guardWith } from '../web/refusals.ts';

export type CaseRow = {
  id: number;
  partner_id: number;
  opened_by: number;
  title: string;
  description: string;
  category: string;
  priority: CasePriority;
  status: CaseStatus;
  opportunity_id: number | null;
  assignee_user_id: number | null;
  first_response_due: Date;
  first_response_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
};

export type ResponseTarget = { hours?: number; business_days?: number };
export type ResponseTargets = Record<CasePriority, ResponseTarget>;

const LOCAL_DAY = new Map<string, Intl.DateTimeFormat>();
/** The weekday and the date (YYYY-MM-DD) of an instant on the vendor's calendar. */
function localDay(timeZone: string, at: Date): { weekday: string; date: string } {
  let fmt = LOCAL_DAY.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', timeZone });
    LOCAL_DAY.set(timeZone, fmt);
  }
  const part = Object.fromEntries(fmt.formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: part.weekday!, date: `${part.year}-${part.month}-${part.day}` };
}

/** At most this many non-working days may be set, so a due date is always found within the year. */
export const MAX_HOLIDAYS = 100;

/**
 * When the first answer is due: a number of hours, or of business days (Monday to Friday in the vendor's time
 * zone, less the non-working days the team has set). A case opened on a day off counts from the start of the
 * next working day; each business day is 24 hours whose last moment falls on a working day.
 */
export function firstResponseDue(openedAt: Date, target: ResponseTarget, timeZone: string, holidays: readonly string[] = []): Date {
  if (target.hours !== undefined) return new Date(openedAt.getTime() + target.hours * 3_600_000);
  const off = new Set(holidays);
  const dayOff = (at: Date) => {
    const d = localDay(timeZone, at);
    return d.weekday === 'Sat' || d.weekday === 'Sun' || off.has(d.date);
  };
  let at = new Date(openedAt.getTime());
  if (dayOff(at)) {
    // Forward by the hour to 00:00 of the next working day, local time (daylight saving needs no special case).
    at = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
    while (dayOff(at)) at = new Date(at.getTime() + 3_600_000);
  }
  for (let left = target.business_days ?? 1; left > 0; ) {
    at = new Date(at.getTime() + 24 * 3_600_000);
    // The 24 hours count when their last moment falls on a working day: from Friday 00:00 they end Saturday 00:00.
    if (!dayOff(new Date(at.getTime() - 1))) left -= 1;
  }
  return at;
}

/** A case whose first answer is late (given, or still missing past its due time). */
export function breached(c: Pick<CaseRow, 'first_response_at' | 'first_response_due' | 'status'>, now = new Date()): boolean {
  const due = new Date(c.first_response_due).getTime();
  if (c.first_response_at) return new Date(c.first_response_at).getTime() > due;
  return OPEN_STATUSES.includes(c.status) && now.getTime() > due;
}

export type Author = { userId: number | null; name: string | null; staff: boolean };

export async function addEntry(
  db: Knex.Transaction,
  c: Pick<CaseRow, 'id' | 'partner_id'>,
  author: Author,
  entry: { kind: 'comment' | 'note' | 'status' | 'assignment'; body?: string | null; from?: string | null; to?: string | null },
): Promise<number> {
  const [row] = await db('case_entries')
    .insert({
      case_id: c.id, partner_id: c.partner_id, kind: entry.kind, author_user_id: author.userId, author_name: author.name, author_staff: author.staff,
      body: entry.body ?? null, from_status: entry.from ?? null, to_status: entry.to ?? null,
    })
    .returning('id');
  return row.id;
}

/**
 * Applies a status move if the rules allow it from the case's current state: a conditional UPDATE, so a second
 * contender finds nothing to change and gets 409 with the state it lost to.
 */
export async function moveCase(db: Knex.Transaction, c: CaseRow, action: CaseAction, actor: CaseActor, author: Author, now?: Date): Promise<CaseRow> {
  const move = caseMove(action, actor, c.status);
  if (!move.ok) throw new HttpError(move.why === 'not_allowed' ? 403 : 409, move.why === 'closed' ? 'case.closed' : move.why === 'not_allowed' ? 'error.forbidden' : 'case.wrong_state');
  const at = now ?? new Date();
  const q = db('cases').where('id', c.id).whereIn('status', move.from);
  // Reopening is only possible for a while after resolution.
  if (action === 'reopen') q.where('resolved_at', '>', new Date(at.getTime() - REOPEN_DAYS * 86_400_000));
  const [updated] = await q
    .update({
      status: move.to,
      updated_at: at,
      version: db.raw('version + 1'),
      ...(move.to === 'resolved' ? { resolved_at: at } : {}),
      ...(move.to === 'closed' ? { closed_at: at } : {}),
      ...(action === 'reopen' ? { resolved_at: null } : {}),
    })
    .returning('*');
  if (!updated) {
    const current: CaseRow | undefined = await db('cases').where('id', c.id).first();
    if (action === 'reopen' && current?.status === 'resolved') throw new HttpError(409, 'case.reopen_too_late');
    throw new HttpError(409, current?.status === 'closed' ? 'case.closed' : 'case.wrong_state');
  }
  await addEntry(db, c, author, { kind: 'status', from: c.status, to: move.to });
  return updated as CaseRow;
}

/** The clock: resolved cases nobody reopened close by themselves after the reopening window. */
export async function closeResolvedCases(db: Knex.Transaction, now: Date): Promise<number> {
  const closed: Pick<CaseRow, 'id' | 'partner_id'>[] = await db('cases')
    .where('status', 'resolved')
    .where('resolved_at', '<=', new Date(now.getTime() - REOPEN_DAYS * 86_400_000))
    .update({ status: 'closed', closed_at: now, updated_at: now, version: db.raw('version + 1') })
    .returning(['id', 'partner_id']);
  for (const c of closed) await addEntry(db, c, { userId: null, name: null, staff: true }, { kind: 'status', from: 'resolved', to: 'closed' });
  return closed.length;
}

/** The database's refusals: a closed case (PF409) or an opportunity the case's company may not see (PF422). */
export const caseRefusal = byCode({ PF409: [409, 'case.closed'], PF422: [422, 'case.opportunity.invalid'] });

/** Runs database work for a case, turning the database's refusals into the pages above. */
export const guardedCase = guardWith(caseRefusal);
