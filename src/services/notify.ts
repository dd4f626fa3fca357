import type { FastifyRequest } from 'fastify';
import { isLocale, DEFAULT_LOCALE, type Vars } from '../i18n/index.ts';
import { queueEmail } from './mail.ts';

/**
 * The events a user can be told about, and whether email is on when they have not chosen.
 * Each user picks per event: email and portal, or portal only.
 */
export const NOTIFICATION_EVENTS = {
  'application.submitted': { audience: 'staff', defaultChannel: 'email_portal' },
  'partner.changed': { audience: 'partner', defaultChannel: 'email_portal' },
  'relationship.accepted': { audience: 'partner', defaultChannel: 'email_portal' },
  'relationship.declined': { audience: 'partner', defaultChannel: 'email_portal' },
  'opportunity.distributed': { audience: 'partner', defaultChannel: 'email_portal' },
  'opportunity.answered': { audience: 'staff', defaultChannel: 'portal' },
  'opportunity.deadline': { audience: 'partner', defaultChannel: 'email_portal' },
  'opportunity.note': { audience: 'partner', defaultChannel: 'portal' },
  'deal.submitted': { audience: 'staff', defaultChannel: 'email_portal' },
  'registration.requested': { audience: 'staff', defaultChannel: 'email_portal' },
  'cosell.requested': { audience: 'staff', defaultChannel: 'email_portal' },
  'solution.submitted': { audience: 'staff', defaultChannel: 'portal' },
  'deal.decided': { audience: 'partner', defaultChannel: 'email_portal' },
  'registration.decided': { audience: 'partner', defaultChannel: 'email_portal' },
  'cosell.decided': { audience: 'partner', defaultChannel: 'email_portal' },
  'forum.thread': { audience: 'all', defaultChannel: 'portal' },
  'forum.reply': { audience: 'all', defaultChannel: 'email_portal' },
  'forum.moderated': { audience: 'all', defaultChannel: 'email_portal' },
  'case.opened': { audience: 'staff', defaultChannel: 'email_portal' },
  'case.reply': { audience: 'all', defaultChannel: 'email_portal' },
  'case.status': { audience: 'all', defaultChannel: 'email_portal' },
} as const;

export type NotificationEvent = keyof typeof NOTIFICATION_EVENTS;

/** The events that can reach this kind of user, for their preferences. */
export function eventsFor(kind: 'staff' | 'partner'): NotificationEvent[] {
  return (Object.keys(NOTIFICATION_EVENTS) as NotificationEvent[]).filter((e) => {
    const audience: string = NOTIFICATION_EVENTS[e].audience;
    return audience === kind || audience === 'all';
  });
}
export type Channel = 'email_portal' | 'portal';

/** `channel`: the recipient's preference, when the caller could read it and the request's context cannot. */
export type Recipient = { id: number; email: string; name: string; locale: string | null; channel?: Channel | null };

/**
 * Staff with any of these roles, as recipients. A partner's or an applicant's action must reach staff it cannot
 * otherwise see: this narrow function returns their contact details only.
 */
export async function staffRecipients(req: FastifyRequest, roles: string[]): Promise<Recipient[]> {
  const { rows } = await req.db.raw<{ rows: Recipient[] }>('SELECT id, email, name, locale FROM staff_recipients(?::text[])', [roles]);
  return rows;
}

/**
 * Notifies users of an event inside the request's transaction: a portal notification for each, and an email
 * (in the recipient's language, through the outbox) for those whose preference includes email.
 */
export async function notify(
  req: FastifyRequest,
  event: NotificationEvent,
  recipients: Recipient[],
  content: { params: Vars; link: string; key: string },
): Promise<void> {
  if (recipients.length === 0) return;
  const db = req.db;
  const prefs = new Map<number, Channel>(
    (await db('notification_preferences').whereIn('user_id', recipients.map((r) => r.id)).andWhere('event_type', event).select('user_id', 'channel')).map(
      (p: { user_id: number; channel: Channel }) => [p.user_id, p.channel],
    ),
  );
  await db('notifications').insert(recipients.map((r) => ({ user_id: r.id, type: event, params: JSON.stringify(content.params), link: content.link })));
  for (const r of recipients) {
    const channel = r.channel ?? prefs.get(r.id) ?? NOTIFICATION_EVENTS[event].defaultChannel;
    if (channel !== 'email_portal') continue;
    await queueEmail(req, {
      eventKey: `${content.key}:user:${r.id}`,
      to: r.email,
      toName: r.name,
      locale: isLocale(r.locale) ? r.locale : DEFAULT_LOCALE,
      template: 'notification',
      params: { ...content.params, event, link: `${req.server.portalConfig.publicUrl}${content.link}` },
    });
  }
}
