import { HttpError } from '../../web/results.ts';
import { guardWith } from '../../web/refusals.ts';
import { isFrozen, StateError } from '../../services/opportunities.ts';
import { REASONS } from '../../policies/opportunity-states.ts';
import { isCountry } from '../../i18n/regions.ts';
import { isDate, type FieldError } from '../../web/forms.ts';

/** ISO 4217 codes the runtime knows; an opportunity's currency must be one of them. */
export const CURRENCIES: readonly string[] = Intl.supportedValuesOf('currency');


/** A date column as YYYY-MM-DD (pg gives Date objects, PGlite strings). */
export function dateOnly(v: unknown): string {
  if (!v) return '';
  if (v instanceof Date) return `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
  return String(v).slice(0, 10);
}

export const OPPORTUNITY_FORM = {
  topic: { label: 'opportunity.topic', required: true, maxLength: 200, messages: { required: 'opportunity.topic.required' } },
  account_id: { label: 'opportunity.account', required: true, messages: { required: 'opportunity.account.required' } },
  contact_id: { label: 'opportunity.contact' },
  currency: { label: 'opportunity.currency', required: true, check: (v: string) => (CURRENCIES.includes(v) ? null : 'opportunity.currency.invalid') },
  value: { label: 'opportunity.value', required: true, check: (v: string) => (/^\d{1,12}(\.\d{1,2})?$/.test(v) ? null : 'opportunity.value.invalid') },
  close_date: { label: 'opportunity.close_date', check: (v: string) => (isDate(v) ? null : 'form.date') },
  offer_until: { label: 'opportunity.offer_until', check: (v: string) => (isDate(v) ? null : 'form.date') },
  country: { label: 'apply.country', check: (v: string) => (isCountry(v) ? null : 'apply.country.invalid') },
  product_id: { label: 'opportunity.product' },
  situation: { label: 'opportunity.situation', maxLength: 5000 },
  need: { label: 'opportunity.need', maxLength: 5000 },
  proposed_solution: { label: 'opportunity.proposed_solution', maxLength: 5000 },
  version: { label: 'form.version' },
} as const;

export const REASON_FORM = {
  reason: { label: 'opportunity.reason', required: true, oneOf: REASONS, messages: { required: 'opportunity.reason.required' } },
  reason_other: { label: 'opportunity.reason_other', maxLength: 500 },
} as const;

/** "Other" needs its text. */
export function reasonErrors(values: { reason: string; reason_other: string }): FieldError[] {
  return values.reason === 'other' && !values.reason_other ? [{ field: 'reason_other', key: 'opportunity.reason_other.required' }] : [];
}

/** What a refused move means to the person: not theirs to make (403), or the opportunity is closed or moved on (409). */
export function refusal(why: 'not_allowed' | 'wrong_state' | 'terminal', state: string): HttpError {
  if (why === 'not_allowed') return new HttpError(403, 'opportunity.lead_only');
  if (why === 'terminal') return new HttpError(409, 'opportunity.frozen');
  return new HttpError(409, `opportunity.changed.${state}`);
}

/** A refusal by the state rules (or by the database's trigger) as the page the user understands. */
export function stateRefusal(err: unknown): HttpError | null {
  if (err instanceof StateError) {
    if (err.why === 'not_allowed') return new HttpError(403, 'error.forbidden');
    if (err.why === 'terminal') return new HttpError(409, 'opportunity.frozen');
    return new HttpError(409, `opportunity.changed.${err.current}`);
  }
  if (isFrozen(err)) return new HttpError(409, 'opportunity.frozen');
  return null;
}

/** Runs a state check, turning its refusal into the page for it. */
export function checked<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw stateRefusal(err) ?? err;
  }
}

export const guarded = guardWith(stateRefusal);

/** Days since the last state change, against the staff's thresholds: a badge for the lists. */
export function badge(opp: { state: string; state_changed_at: Date }, settings: { stalled_days: number; overdue_days: number }, now = new Date()): 'overdue' | 'stalled' | null {
  if (!['open', 'distributed', 'accepted', 'submitted'].includes(opp.state)) return null;
  const days = (now.getTime() - new Date(opp.state_changed_at).getTime()) / 86_400_000;
  if (days >= settings.overdue_days) return 'overdue';
  if (days >= settings.stalled_days) return 'stalled';
  return null;
}
