import type { Knex } from 'knex';
import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';

type Claimed = { id: number; message_id: string; to_email: string; to_name: string | null; subject: string; body_text: string; attempts: number };

/** How long a claimed message is reserved for one delivery attempt before another worker may try it. */
const CLAIM_MS = 2 * 60 * 1000;
const BATCH = 20;

/** Exponential backoff from 15 seconds, capped at one hour: a message is retried until it goes out. */
export function retryDelayMs(attempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, attempts - 1), 60 * 60 * 1000);
}

export type Delivery =
  /** A real SMTP server. */
  | { kind: 'smtp'; transport: Transporter; from: string }
  /** No SMTP server configured: messages are kept in the outbox for the Sent mail page. */
  | { kind: 'keep' };

export function deliveryFor(config: Pick<Config, 'smtpUrl' | 'mailFrom'>): Delivery {
  if (!config.smtpUrl) return { kind: 'keep' };
  // A pool keeps the connection open between messages: a backlog goes out without a handshake per email.
  const url = new URL(config.smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  return { kind: 'smtp', transport: nodemailer.createTransport(url.toString()), from: config.mailFrom };
}

/**
 * Delivers the outbox. Each step is a short transaction of its own with the owner's handle, never inside a
 * request's transaction: claim due messages, send them outside any transaction, then record the outcome.
 * On the embedded database these steps queue on the one connection between requests. A worker that dies
 * mid-send leaves its claim to expire, so the message is sent again: delivery is at least once, and the
 * stable Message-ID lets a receiver recognise the repeat.
 */
export class OutboxWorker {
  readonly #knex: Knex;
  readonly #delivery: Delivery;
  readonly #log: FastifyBaseLogger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = true;
  #poked = false;

  constructor(knex: Knex, delivery: Delivery, log?: FastifyBaseLogger) {
    this.#knex = knex;
    this.#delivery = delivery;
    this.#log = log;
  }

  start(intervalMs = 2000): void {
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.runOnce()
        .catch((err) => this.#log?.warn({ err }, 'outbox run failed'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  /** Asks for a pass soon (after a request queued mail), instead of waiting for the next tick. */
  poke(): void {
    if (this.#stopped || this.#poked) return;
    this.#poked = true;
    setImmediate(() => {
      this.#poked = false;
      this.runOnce().catch((err) => this.#log?.warn({ err }, 'outbox run failed'));
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running?.catch(() => 0);
    if (this.#delivery.kind === 'smtp') this.#delivery.transport.close();
  }

  /** One pass over (at most a batch of) the due messages; returns how many it tried. One pass at a time. */
  runOnce(): Promise<number> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Passes until nothing is due any more (a failed message waits for its retry time): for a backlog, and tests. */
  async drain(maxPasses = 1000): Promise<void> {
    for (let i = 0; i < maxPasses; i++) if ((await this.runOnce()) === 0) return;
  }

  async #pass(): Promise<number> {
    const claimed = await this.#claim();
    let sent = 0;
    for (const message of claimed) {
      try {
        await this.#send(message);
        await this.#knex('outbox_emails').where('id', message.id).update({ status: 'sent', sent_at: this.#knex.fn.now(), last_error: null, claimed_until: null });
        sent += 1;
      } catch (err) {
        const next = new Date(Date.now() + retryDelayMs(message.attempts));
        await this.#knex('outbox_emails')
          .where('id', message.id)
          .update({ next_attempt_at: next, last_error: String((err as Error).message ?? err).slice(0, 500), claimed_until: null });
        this.#log?.warn({ err, messageId: message.message_id, attempts: message.attempts }, 'email delivery failed; will retry');
      }
    }
    if (sent < claimed.length) this.#log?.info({ sent, failed: claimed.length - sent }, 'outbox pass');
    return claimed.length;
  }

  async #claim(): Promise<Claimed[]> {
    return this.#knex.transaction(async (trx) => {
      const due = await trx('outbox_emails')
        .select('id')
        .where('status', 'pending')
        .andWhere('next_attempt_at', '<=', trx.fn.now())
        .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<', trx.fn.now()))
        .orderBy('id')
        .limit(BATCH)
        .forUpdate()
        .skipLocked();
      if (due.length === 0) return [];
      const claimed: Claimed[] = await trx('outbox_emails')
        .whereIn('id', due.map((r: { id: number }) => r.id))
        .update({ claimed_until: new Date(Date.now() + CLAIM_MS), attempts: trx.raw('attempts + 1') })
        .returning(['id', 'message_id', 'to_email', 'to_name', 'subject', 'body_text', 'attempts']);
      return claimed;
    });
  }

  async #send(message: Claimed): Promise<void> {
    if (this.#delivery.kind === 'keep') return;
    await this.#delivery.transport.sendMail({
      from: this.#delivery.from,
      to: message.to_name ? { name: message.to_name, address: message.to_email } : message.to_email,
      subject: message.subject,
      text: message.body_text,
      messageId: message.message_id,
    });
  }
}
