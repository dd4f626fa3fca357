import type { FastifyRequest } from 'fastify';
import { notify, staffRecipients, type NotificationEvent, type Recipient } from '../../services/notify.ts';
import type { Vars } from '../../i18n/index.ts';

/** A partner company's working users (admins and sales agents), from a staff request. */
export async function notifyPartnerUsers(req: FastifyRequest, partnerId: number, event: NotificationEvent, params: Vars, link: string, key: string): Promise<void> {
  const users: Recipient[] = await req.db('users').where({ partner_id: partnerId, status: 'active' }).whereIn('role', ['partner_admin', 'sales_agent']).select('id', 'email', 'name', 'locale');
  await notify(req, event, users, { params, link, key });
}

/** The channel team, from a partner's request. */
export async function notifyChannelTeam(req: FastifyRequest, event: NotificationEvent, params: Vars, link: string, key: string): Promise<void> {
  await notify(req, event, await staffRecipients(req, ['channel_admin', 'channel_manager']), { params, link, key });
}
