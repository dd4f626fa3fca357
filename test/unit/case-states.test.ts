import { describe, expect, it } from 'vitest';
import { caseMove, CASE_STATUSES, type CaseAction, type CaseActor, type CaseStatus } from '../../src/policies/case-states.ts';
import { breached, firstResponseDue } from '../../src/services/cases.ts';

// The table, written out independently of the module: [action, from, to, who].
const TABLE: [CaseAction, CaseStatus[], CaseStatus, CaseActor[]][] = [
  ['start', ['new'], 'in_progress', ['staff']],
  ['ask', ['in_progress'], 'waiting_on_partner', ['staff']],
  ['partner_replies', ['waiting_on_partner'], 'in_progress', ['partner']],
  ['resolve', ['new', 'in_progress', 'waiting_on_partner'], 'resolved', ['staff', 'partner']],
  ['reopen', ['resolved'], 'in_progress', ['partner']],
  ['close', ['resolved'], 'closed', ['partner', 'clock']],
];

describe('case status rules', () => {
  for (const [action, from, to, who] of TABLE) {
    for (const actor of ['staff', 'partner', 'clock'] as CaseActor[]) {
      for (const status of CASE_STATUSES) {
        const allowed = who.includes(actor) && from.includes(status);
        it(`${actor} ${allowed ? 'may' : 'may not'} ${action} a ${status} case`, () => {
          const move = caseMove(action, actor, status);
          expect(move.ok).toBe(allowed);
          if (move.ok) expect(move.to).toBe(to);
          if (status === 'closed') expect(move).toEqual({ ok: false, why: 'closed' });
        });
      }
    }
  }
});

describe('first-response targets', () => {
  const tz = 'Europe/Berlin';
  it('adds hours as they are', () => {
    expect(firstResponseDue(new Date('2026-11-27T17:30:00Z'), { hours: 4 }, tz).toISOString()).toBe('2026-11-27T21:30:00.000Z');
  });
  it('counts business days Monday to Friday in the vendor\'s time zone', () => {
    // Tuesday 10:00 → Wednesday 10:00.
    expect(firstResponseDue(new Date('2026-11-24T09:00:00Z'), { business_days: 1 }, tz).toISOString()).toBe('2026-11-25T09:00:00.000Z');
    // Friday 15:00 → Monday 15:00.
    expect(firstResponseDue(new Date('2026-11-27T14:00:00Z'), { business_days: 1 }, tz).toISOString()).toBe('2026-11-30T14:00:00.000Z');
    // Saturday → from the start of Monday (Berlin) → Tuesday 00:00 Berlin.
    expect(firstResponseDue(new Date('2026-11-28T10:00:00Z'), { business_days: 1 }, tz).toISOString()).toBe('2026-11-30T23:00:00.000Z');
    // Thursday + 2 business days → Monday.
    expect(firstResponseDue(new Date('2026-11-26T09:00:00Z'), { business_days: 2 }, tz).toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });
  it('skips the non-working days the team has set, on the vendor\'s calendar', () => {
    const holidays = ['2026-12-24', '2026-12-25', '2026-12-31'];
    // Wednesday 23 December 10:00 → Thursday 24 and Friday 25 off → Monday 28 December 10:00.
    expect(firstResponseDue(new Date('2026-12-23T09:00:00Z'), { business_days: 1 }, tz, holidays).toISOString()).toBe('2026-12-28T09:00:00.000Z');
    // Opened on a holiday (Thursday 24): counts from Monday 28 00:00 Berlin → Tuesday 29 00:00 Berlin.
    expect(firstResponseDue(new Date('2026-12-24T12:00:00Z'), { business_days: 1 }, tz, holidays).toISOString()).toBe('2026-12-28T23:00:00.000Z');
    // The date is the vendor's: 23:30 UTC on 30 December is already 31 December (a holiday) in Berlin.
    expect(firstResponseDue(new Date('2026-12-30T23:30:00Z'), { business_days: 1 }, tz, holidays).toISOString()).toBe('2027-01-01T23:00:00.000Z');
    // Hours are hours, holiday or not.
    expect(firstResponseDue(new Date('2026-12-24T08:00:00Z'), { hours: 4 }, tz, holidays).toISOString()).toBe('2026-12-24T12:00:00.000Z');
  });
  it('calls a first answer late when given after the target or still missing past it', () => {
    const due = new Date('2026-11-24T10:00:00Z');
    const now = new Date('2026-11-24T11:00:00Z');
    expect(breached({ first_response_due: due, first_response_at: new Date('2026-11-24T09:59:00Z'), status: 'in_progress' }, now)).toBe(false);
    expect(breached({ first_response_due: due, first_response_at: new Date('2026-11-24T10:01:00Z'), status: 'in_progress' }, now)).toBe(true);
    expect(breached({ first_response_due: due, first_response_at: null, status: 'new' }, now)).toBe(true);
    expect(breached({ first_response_due: due, first_response_at: null, status: 'new' }, new Date('2026-11-24T09:00:00Z'))).toBe(false);
    expect(breached({ first_response_due: due, first_response_at: null, status: 'resolved' }, now)).toBe(false);
  });
});
