import type { FastifyRequest } from 'fastify';
import { HttpError } from '../web/results.ts';
import { endSessionsOfUsers } from '../plugins/external/session.ts';
import { audit } from './audit.ts';
import { absoluteUrl, queueEmail } from './mail.ts';
import { newToken } from './tokens.ts';
import type { Role } from '../policies/permissions.ts';

export const INVITATION_DAYS = 7;

type Team = { kind: 'partner'; partnerId: number; companyName: string } | { kind: 'staff'; companyName: string };

const ADMIN_ROLE = { partner: 'partner_admin', staff: 'channel_admin' } as const;

/** The team's people: a partner's employees, or the vendor's staff. */
export function teamMembers(req: FastifyRequest, team: Team) {
  const q = req.db('users').where('kind', team.kind);
  return team.kind === 'partner' ? q.andWhere('partner_id', team.partnerId) : q;
}

/** Invites someone to the team: a single-use link valid for a week, emailed in the inviter's language. */
export async function invite(req: FastifyRequest, team: Team, email: string, role: Role): Promise<number> {
  const { token, hash } = newToken();
  const expires = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  const [row] = await req.db('invitations')
    .insert({ kind: team.kind, partner_id: team.kind === 'partner' ? team.partnerId : null, email, role, token_hash: hash, expires_at: expires, invited_by: req.viewer.user!.id })
    .returning('id');
  const id = row.id as number;
  await audit(req, { entityType: 'invitation', entityId: id, partnerId: team.kind === 'partner' ? team.partnerId : null, action: 'created', after: { email, role } });
  await queueEmail(req, {
    eventKey: `invitation:${id}`,
    to: email,
    locale: req.viewer.locale,
    template: team.kind === 'partner' ? 'invitation' : 'staff_invitation',
    params: {
      inviter: req.viewer.user!.name,
      company: team.companyName,
      role: req.viewer.t(`role.${role}`),
      link: absoluteUrl(req, `/invitations/${token}`),
      expires: req.viewer.fmt.date(expires),
    },
  });
  return id;
}

/**
 * Locks the team's active admins, so that two admins demoting or removing each other at the same moment
 * cannot leave the team with none.
 */
async function lockedAdmins(req: FastifyRequest, team: Team): Promise<number[]> {
  const rows = await teamMembers(req, team).andWhere({ role: ADMIN_ROLE[team.kind], status: 'active' }).select('id').forUpdate();
  return rows.map((r: { id: number }) => r.id);
}

export async function changeRole(req: FastifyRequest, team: Team, userId: number, role: Role): Promise<void> {
  const admins = await lockedAdmins(req, team);
  const person = await teamMembers(req, team).andWhere('id', userId).first('id', 'role', 'status', 'name');
  if (!person || person.status !== 'active') throw new HttpError(404, 'error.not_found');
  if (person.role === role) return;
  if (admins.includes(userId) && admins.length === 1) throw new HttpError(409, team.kind === 'partner' ? 'people.last_admin' : 'staff.last_admin');
  await req.db('users').where('id', userId).update({ role, updated_at: req.db.fn.now() });
  await audit(req, { entityType: 'user', entityId: userId, partnerId: team.kind === 'partner' ? team.partnerId : null, action: 'role_changed', before: { role: person.role }, after: { role } });
}

/** Removes someone's access; their sessions end once this commits (their next request is signed out anyway). */
export async function removePerson(req: FastifyRequest, team: Team, userId: number): Promise<void> {
  const admins = await lockedAdmins(req, team);
  const person = await teamMembers(req, team).andWhere('id', userId).first('id', 'role', 'status', 'email');
  if (!person || person.status !== 'active') throw new HttpError(404, 'error.not_found');
  if (admins.includes(userId) && admins.length === 1) throw new HttpError(409, team.kind === 'partner' ? 'people.last_admin' : 'staff.last_admin');
  await req.db('users').where('id', userId).update({ status: 'removed', updated_at: req.db.fn.now() });
  await audit(req, { entityType: 'user', entityId: userId, partnerId: team.kind === 'partner' ? team.partnerId : null, action: 'removed', before: { status: 'active', email: person.email }, after: { status: 'removed' } });
  req.afterCommit(async () => {
    await endSessionsOfUsers(req.server.database.knex, [userId]);
  });
}

export async function revokeInvitation(req: FastifyRequest, team: Team, invitationId: number): Promise<void> {
  const q = req.db('invitations').where({ id: invitationId, kind: team.kind }).whereNull('accepted_at').whereNull('revoked_at');
  if (team.kind === 'partner') q.andWhere('partner_id', team.partnerId);
  const n = await q.update({ revoked_at: req.db.fn.now() });
  if (n !== 1) throw new HttpError(404, 'error.not_found');
  await audit(req, { entityType: 'invitation', entityId: invitationId, partnerId: team.kind === 'partner' ? team.partnerId : null, action: 'revoked' });
}

export async function pendingInvitations(req: FastifyRequest, team: Team) {
  const q = req.db('invitations')
    .select('id', 'email', 'role', 'expires_at', 'created_at')
    .where('kind', team.kind)
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .orderBy('created_at', 'desc');
  if (team.kind === 'partner') q.andWhere('partner_id', team.partnerId);
  return q;
}

export type { Team };
