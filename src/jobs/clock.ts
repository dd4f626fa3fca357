import type { Knex } from 'knex';
import type { FastifyBaseLogger } from 'fastify';
import { inContext } from '../db/scope.ts';
import { expireDue } from '../services/opportunities.ts';
import { closeResolvedCases } from '../services/cases.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { DEFAULT_LOCALE, isLocale } from '../i18n/index.ts';

export type MailSettings = { publicUrl: string; mailDomain: string; poke: () => void };

/**
 * The portal's clock: every minute, as staff (it crosses partners), expire distributions past their
 * accept-by deadline (re-routing where auto-routing is on) and opportunities past their offer-until date, and
 * close support cases resolved longer than the reopening window ago.
 */
export class Clock {
  readonly #knex: Knex;
  readonly #log: Pick<FastifyBaseLogger, 'error'>;
  readonly #mail: MailSettings | null;
  #timer: NodeJS.Timeout | undefined;

  get mail(): MailSettings | null {
    return this.#mail;
  }
  #running: Promise<unknown> | undefined;

  constructor(knex: Knex, log: Pick<FastifyBaseLogger, 'error'>, mail: MailSettings | null = null) {
    this.#knex = knex;
    this.#log = log;
    this.#mail = mail;
  }

  async runOnce(now = new Date()): Promise<{ distributions: number; opportunities: number; reminded: number; casesClosed: number }> {
    const result = await inContext(this.#knex, { context: 'staff' }, async (db) => {
      const s = await db('vendor_settings').where('id', 1).first('accept_hours', 'name');
      const expired = await expireDue(db, now, Number(s.accept_hours));
      return { ...expired, reminded: await this.#remind(db, now, String(s.name)), casesClosed: await closeResolvedCases(db, now) };
    });
    if (result.reminded) this.#mail?.poke();
    return result;
  }

  /** Reminds a partner's users once, 24 hours before a distribution's answer is due. */
  async #remind(db: Knex.Transaction, now: Date, vendorName: string): Promise<number> {
    const due: { id: number; partner_id: number; opportunity_id: number; topic: string }[] = await db('opportunity_distributions as d')
      .join('opportunities as o', 'o.id', 'd.opportunity_id')
      .where('d.state', 'delivered')
      .whereNull('d.reminded_at')
      .where('d.accept_by', '>', now)
      .where('d.accept_by', '<=', new Date(now.getTime() + 24 * 3_600_000))
      .whereNotIn('o.state', ['won', 'lost', 'rejected', 'expired'])
      .select('d.id', 'd.partner_id', 'd.opportunity_id', 'o.topic');
    for (const d of due) {
      await db('opportunity_distributions').where({ id: d.id }).update({ reminded_at: now });
      await notifyPartners(db, this.#mail, vendorName, [d.partner_id], 'opportunity.deadline', { topic: d.topic }, `/opportunities/${d.opportunity_id}`, `opportunity-deadline:${d.id}`);
    }
    return due.length;
  }

  start(intervalMs = 60_000): void {
    const tick = () => {
      this.#running = this.runOnce()
        .catch((err) => this.#log.error({ err }, 'opportunity jobs failed'))
        .finally(() => {
          this.#running = undefined;
          if (this.#timer) this.#timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, 1000).unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

/**
 * Notifies the working users of partner companies from a staff context (the clock, or work done after a
 * partner's request commits): a portal notification each, and an email for those who chose email too.
 */
export async function notifyPartners(
  db: Knex.Transaction, mail: MailSettings | null, vendorName: string, partnerIds: number[], event: string, params: Record<string, string>, link: string, key: string,
): Promise<number> {
  let sent = 0;
  for (const partnerId of partnerIds) {
    const { rows } = await db.raw<{ rows: { id: number; email: string; name: string; locale: string | null; channel: string | null }[] }>('SELECT * FROM partner_recipients(?, ?)', [partnerId, event]);
    if (rows.length) await db('notifications').insert(rows.map((r) => ({ user_id: r.id, type: event, params: JSON.stringify(params), link })));
    for (const r of rows) {
      if ((r.channel ?? 'email_portal') !== 'email_portal' || !mail) continue;
      await enqueueEmail(
        db,
        { eventKey: `${key}:user:${r.id}`, to: r.email, toName: r.name, locale: isLocale(r.locale) ? r.locale : DEFAULT_LOCALE, template: 'notification', params: { ...params, event, link: `${mail.publicUrl}${link}`, vendorName } },
        mail.mailDomain,
      );
      sent += 1;
    }
  }
  return sent;
}
