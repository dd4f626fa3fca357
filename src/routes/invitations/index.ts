import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, page, redirect } from '../../web/results.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGES, PASSWORD_MIN_LENGTH } from '../../services/passwords.ts';
import { hashToken, looksLikeToken } from '../../services/tokens.ts';
import { audit } from '../../services/audit.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { SessionAuth } from '../../web/session-data.ts';

type Invitation = {
  id: number;
  kind: 'partner' | 'staff';
  partner_id: number | null;
  partner_name: string | null;
  email: string;
  role: string;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  partner_status: string | null;
};

const FORM = {
  name: { label: 'invitation.name', required: true, maxLength: 200, messages: { required: 'apply.contact_name.required' } },
  password: { label: 'invitation.password', required: true, raw: true, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, messages: PASSWORD_MESSAGES },
} as const;

/** Resolves the link, or says plainly why it no longer works: unknown, used, withdrawn or expired. */
async function usableInvitation(req: FastifyRequest): Promise<{ invitation: Invitation; hash: string }> {
  const token = (req.params as { token: string }).token;
  if (!looksLikeToken(token)) throw new HttpError(404, 'invitation.invalid');
  const hash = hashToken(token);
  const { rows } = await req.db.raw<{ rows: Invitation[] }>('SELECT * FROM invitation_by_token(?)', [hash]);
  const invitation = rows[0];
  if (!invitation || invitation.partner_status === 'suspended' || invitation.partner_status === 'rejected') throw new HttpError(404, 'invitation.invalid');
  if (invitation.accepted_at) throw new HttpError(410, 'invitation.used');
  if (invitation.revoked_at) throw new HttpError(410, 'invitation.revoked');
  if (new Date(invitation.expires_at) <= new Date()) throw new HttpError(410, 'invitation.expired');
  return { invitation, hash };
}

function acceptPage(req: FastifyRequest, invitation: Invitation, values: Record<string, string>, errors: FieldError[], status = 200) {
  const company = invitation.kind === 'partner' ? invitation.partner_name! : req.viewer.vendor.name;
  return page('pages/invitations/accept', { title: req.viewer.t('invitation.title', { company }), invitation, company, values, errors }, { status });
}

export default async function invitationRoutes(app: FastifyInstance) {
  app.get('/invitations/:token', { config: { access: 'public', context: 'link' } }, async (req) => {
    const { invitation } = await usableInvitation(req);
    return acceptPage(req, invitation, { name: '' }, []);
  });

  app.post('/invitations/:token', { config: { access: 'public', context: 'link' } }, async (req) => {
    const { invitation, hash } = await usableInvitation(req);
    const { values, errors } = parseForm(req.body, FORM);
    if (errors.length) return acceptPage(req, invitation, values, errors, 422);
    const passwordHash = await hashPassword(values.password);
    let accepted: { user_id: number; kind: 'partner' | 'staff'; partner_id: number | null } | undefined;
    try {
      accepted = await req.db.transaction(async (sp) => (await sp.raw('SELECT * FROM accept_invitation(?, ?, ?, ?)', [hash, values.name, passwordHash, req.viewer.locale])).rows[0]);
    } catch (err) {
      // Someone registered this address meanwhile (through another invitation or an application).
      if (!isUniqueViolation(err)) throw err;
      throw new HttpError(409, 'invitation.email_taken');
    }
    // Accepted by a second tab or click a moment ago: the function found nothing to use.
    if (!accepted) throw new HttpError(410, 'invitation.used');
    await audit(req, { entityType: 'invitation', entityId: invitation.id, partnerId: invitation.partner_id, action: 'accepted', after: { user: accepted.user_id, name: values.name, email: invitation.email } });
    const auth: SessionAuth = { userId: accepted.user_id, kind: accepted.kind, partnerId: accepted.partner_id, signedInAt: Date.now() };
    req.afterCommit(async () => {
      await req.session.regenerate();
      req.session.set('auth', auth);
      req.session.set('flash', { key: 'invitation.welcome' });
    });
    return redirect('/home');
  });
}
