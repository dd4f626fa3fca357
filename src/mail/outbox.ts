import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Locale, Vars } from '../i18n/index.ts';
import { renderEmail } from './render.ts';

export type OutgoingEmail = {
  /** Names the event that causes the email, e.g. `invitation:42`: one email per event, and its Message-ID. */
  eventKey: string;
  to: string;
  toName?: string | null;
  locale: Locale;
  template: string;
  params: Vars & { vendorName: string };
};

/** A stable Message-ID per event, so a retried delivery is recognisable as the same message. */
export function messageIdFor(eventKey: string, domain: string): string {
  const digest = createHash('sha256').update(eventKey).digest('hex').slice(0, 32);
  return `<${digest}@${domain}>`;
}

/**
 * Writes the email to the outbox inside the caller's transaction: it is sent only if the change that causes it
 * commits, and it cannot be lost once it has. Enqueueing the same event twice keeps one email.
 */
export async function enqueueEmail(db: Knex.Transaction, email: OutgoingEmail, mailDomain: string): Promise<void> {
  const { subject, text } = renderEmail(email.template, email.locale, email.params);
  await db.raw('SELECT enqueue_email(?, ?, ?, ?, ?, ?, ?, ?)', [
    email.eventKey, messageIdFor(email.eventKey, mailDomain), email.to, email.toName ?? null, email.locale, email.template, subject, text,
  ]);
}
