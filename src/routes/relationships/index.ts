import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, page, redirect } from '../../web/results.ts';
import { readSignedToken } from '../../services/tokens.ts';
import { relationshipForLink, respond, type LinkRelationship } from '../../repositories/relationships.ts';
import { notify, type Recipient } from '../../services/notify.ts';
import { audit } from '../../services/audit.ts';
import { RELATIONSHIP_LINK, rightsLines } from '../customers/relationships.ts';

const ACCEPT_FORM = {
  name: { label: 'relationship.respond.name', required: true, maxLength: 200, messages: { required: 'relationship.respond.name.required' } },
  authorised: { label: 'relationship.respond.authorised', required: true, oneOf: ['yes'], messages: { required: 'relationship.respond.authorised.required' } },
} as const;

const DECLINE_FORM = {
  name: { label: 'relationship.respond.name', maxLength: 200 },
} as const;

/**
 * Resolves the signed link to its invitation. A link that was altered, or names an invitation that does not
 * match it, is simply not valid; one that was valid says plainly why it no longer works.
 */
async function linked(req: FastifyRequest): Promise<LinkRelationship> {
  const parsed = readSignedToken(req.server.portalConfig.linkSecret, RELATIONSHIP_LINK, (req.params as { token: string }).token);
  if (!parsed) throw new HttpError(404, 'relationship.link.invalid');
  const r = await relationshipForLink(req.db, parsed.id);
  if (!r || Math.floor(new Date(r.expires_at).getTime() / 1000) !== Math.floor(parsed.expiresAt.getTime() / 1000)) throw new HttpError(404, 'relationship.link.invalid');
  if (r.partner_status !== 'active') throw new HttpError(410, 'relationship.link.unavailable');
  if (r.status === 'superseded') throw new HttpError(410, 'relationship.link.superseded');
  if (r.status === 'removed') throw new HttpError(410, 'relationship.link.removed');
  if (r.status === 'invited' && new Date(r.expires_at) <= new Date()) throw new HttpError(410, 'relationship.link.expired');
  return r;
}

function respondPage(req: FastifyRequest, r: LinkRelationship, values: Record<string, string>, errors: FieldError[], status = 200) {
  return page(
    'pages/relationships/respond',
    {
      title: req.viewer.t('relationship.respond.title', { partner: r.partner_name }),
      relationship: r,
      rights: rightsLines(req.viewer.t, r),
      values,
      errors,
    },
    { status },
  );
}

/** The customer's side: no account, just the signed link from the partner's invitation. */
export default async function customerLinkRoutes(app: FastifyInstance) {
  app.get('/relationships/:token', { config: { access: 'public', context: 'link' } }, async (req) => respondPage(req, await linked(req), { name: '' }, []));

  app.post('/relationships/:token', { config: { access: 'public', context: 'link' } }, async (req) => {
    const r = await linked(req);
    // Answered already (a second click, another tab): nothing changes, the page shows the answer on record.
    if (r.status !== 'invited') return redirect(req.url);
    const accept = (req.body as Record<string, unknown> | undefined)?.decision === 'accept';
    const { values, errors } = parseForm(req.body, accept ? ACCEPT_FORM : DECLINE_FORM);
    if (errors.length) return respondPage(req, r, values, errors, 422);
    const answered = await respond(req.db, r.id, accept, values.name || null);
    if (answered) {
      const event = accept ? 'relationship.accepted' : 'relationship.declined';
      await audit(req, { entityType: 'customer_relationship', entityId: r.id, partnerId: r.partner_id, action: accept ? 'accepted' : 'declined', after: { account: r.account_id, by: values.name || null } });
      const { rows } = await req.db.raw<{ rows: Recipient[] }>('SELECT * FROM customer_relationship_recipients(?, ?)', [r.id, event]);
      await notify(req, event, rows, { params: { customer: r.account_name, partner: r.partner_name }, link: `/customers/${r.account_id}`, key: `relationship:${r.id}:${event}` });
    }
    return redirect(req.url);
  });
}
