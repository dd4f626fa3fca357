import type { FastifyInstance } from 'fastify';
import { notFound, page } from '../../web/results.ts';
import { idParam } from '../../web/params.ts';

/**
 * The Sent mail page: with no SMTP server (the embedded default) messages stay in the outbox, and a channel
 * admin reads them here, so invitations and resets work out of the box. It shows working links, so it is
 * registered only when no SMTP server is configured and not in production.
 */
export default async function sentMailRoutes(app: FastifyInstance) {
  if (!app.portalConfig.showSentMail) return;

  app.get('/admin/mail', { config: { access: 'settings.manage' } }, async (req) => {
    const messages = await req.db('outbox_emails')
      .select('id', 'to_email', 'to_name', 'subject', 'status', 'created_at', 'sent_at', 'attempts')
      .orderBy('id', 'desc')
      .limit(100);
    return page('pages/admin/mail', { title: req.viewer.t('mail.title'), messages });
  });

  app.get('/admin/mail/:id', { config: { access: 'settings.manage' } }, async (req) => {
    const message = await req.db('outbox_emails').where('id', idParam(req)).first();
    if (!message) throw notFound();
    // The body is plain text; its links become links, everything else stays text.
    const parts = String(message.body_text).split(/(https?:\/\/[^\s<>"]+)/g).map((part, i) => ({ link: i % 2 === 1, text: part }));
    return page('pages/admin/mail-message', { title: message.subject, message, parts });
  });
}
