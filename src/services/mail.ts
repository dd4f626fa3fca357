import type { FastifyRequest } from 'fastify';
import { enqueueEmail, type OutgoingEmail } from '../mail/outbox.ts';

/**
 * Queues an email in the request's transaction and wakes the worker once that transaction has committed:
 * the email exists exactly when the change that causes it does.
 */
export async function queueEmail(req: FastifyRequest, email: Omit<OutgoingEmail, 'params'> & { params: Omit<OutgoingEmail['params'], 'vendorName'> }): Promise<void> {
  await enqueueEmail(req.db, { ...email, params: { ...email.params, vendorName: req.viewer.vendor.name } }, req.server.portalConfig.mailDomain);
  req.afterCommit(async () => req.server.outbox.poke());
}

/** An absolute link for an email. */
export function absoluteUrl(req: FastifyRequest, path: string): string {
  return `${req.server.portalConfig.publicUrl}${path}`;
}
