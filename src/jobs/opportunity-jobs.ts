import type { Knex } from 'knex';
import type { FastifyBaseLogger } from 'fastify';
import { inContext } from '../db/scope.ts';
import { expireDue } from '../services/opportunities.ts';
import { enqueueEmail } from '../mail/outbox.ts';
import { DEFAULT_LOCALE, isLocale } from '../i18n/index.ts';

export type MailSettings = { publicUrl: string; mailDomain: string; poke: () => void };

/**
 * The opportunities' clock: every minute, as staff (it crosses partners), expire distributions past their
 * accept-by deadline (re-routing where auto-routing is on) and opportunities past their offer-until date.
 */
export class OpportunityJobs {
  readonly #knex: Knex;
  readonly #log: Pick<FastifyBaseLogger, 'error'>;
  readonly #mail: MailSettings | null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(knex: Knex, log: Pick<FastifyBaseLogger, 'error'>, mail: MailSettings | null = null) {
    this.#knex = knex;
    this.#log = log;
    this.#mail = mail;
  }

  async runOnce(now = new Date()): Promise<{ distributions: number; opportunities: number; reminded: number }> {
    const result = await inContext(this.#knex, { context: 'staff' }, async (db) => {
      const s = await db('vendor_settings').where('id', 1).first('accept_hours', 'name');
      const expired = await expireDue(db, now, Number(s.accept_hours));
      return { ...expired, reminded: await this.#remind(db, now, String(s.name)) };
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
      const { rows } = await db.raw<{ rows: { id: number; email: string; name: string; locale: string | null; channel: string | null }[] }>('SELECT * FROM partner_recipients(?, ?)', [d.partner_id, 'opportunity.deadline']);
      const link = `/opportunities/${d.opportunity_id}`;
      if (rows.length) await db('notifications').insert(rows.map((r) => ({ user_id: r.id, type: 'opportunity.deadline', params: JSON.stringify({ topic: d.topic }), link })));
      for (const r of rows) {
        if ((r.channel ?? 'email_portal') !== 'email_portal' || !this.#mail) continue;
        await enqueueEmail(
          db,
          { eventKey: `opportunity-deadline:${d.id}:user:${r.id}`, to: r.email, toName: r.name, locale: isLocale(r.locale) ? r.locale : DEFAULT_LOCALE, template: 'notification', params: { topic: d.topic, event: 'opportunity.deadline', link: `${this.#mail.publicUrl}${link}`, vendorName } },
          this.#mail.mailDomain,
        );
      }
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
