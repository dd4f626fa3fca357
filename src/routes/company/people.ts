import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { PARTNER_ROLES, STAFF_ROLES, type Permission, type Role } from '../../policies/permissions.ts';
import { changeRole, invite, pendingInvitations, removePerson, revokeInvitation, teamMembers, type Team } from '../../services/people.ts';
import { idParam } from '../../web/params.ts';

/**
 * One set of routes for both teams that manage their own people: a partner's employees (partner_admin) and the
 * vendor's staff (channel_admin). The team always comes from the signed-in user, never from the request.
 */
type TeamRoutes = { base: string; permission: Permission; roles: readonly Role[]; team(req: FastifyRequest): Team; titleKey: string };

const TEAMS: TeamRoutes[] = [
  {
    base: '/company/people',
    permission: 'company.people.manage',
    roles: PARTNER_ROLES,
    titleKey: 'people.title',
    team: (req) => ({ kind: 'partner', partnerId: req.viewer.user!.partnerId!, companyName: req.viewer.user!.partnerName! }),
  },
  {
    base: '/admin/staff',
    permission: 'staff.manage',
    roles: STAFF_ROLES,
    titleKey: 'staff.title',
    team: (req) => ({ kind: 'staff', companyName: req.viewer.vendor.name }),
  },
];

export default async function peopleRoutes(app: FastifyInstance) {
  for (const def of TEAMS) {
    const inviteForm = {
      email: { label: 'people.email', required: true, email: true, maxLength: 254 },
      role: { label: 'people.role', required: true, oneOf: def.roles },
    } as const;

    async function listPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], status = 200) {
      const team = def.team(req);
      const people = await teamMembers(req, team)
        .select('id', 'name', 'email', 'role', 'status', 'last_sign_in_at')
        .orderByRaw(`status = 'active' DESC, lower(name)`);
      return page('pages/people/index', { title: req.viewer.t(def.titleKey), base: def.base, roles: def.roles, team, people, invitations: await pendingInvitations(req, team), values, errors }, { status });
    }

    app.get(def.base, { config: { access: def.permission } }, async (req) => listPage(req, { email: '', role: def.roles[def.roles.length - 1]! }, []));

    app.post(`${def.base}/invite`, { config: { access: def.permission } }, async (req) => {
      const { values, errors } = parseForm(req.body, inviteForm);
      if (!errors.length) {
        const { rows } = await req.db.raw('SELECT email_in_use(?) AS taken', [values.email]);
        if (rows[0].taken) errors.push({ field: 'email', key: 'people.email.taken' });
        else {
          const team = def.team(req);
          const open = (await pendingInvitations(req, team)).find((i: { email: string; expires_at: Date }) => i.email.toLowerCase() === values.email.toLowerCase() && new Date(i.expires_at) > new Date());
          if (open) errors.push({ field: 'email', key: 'people.email.invited' });
        }
      }
      if (errors.length) return listPage(req, values, errors, 422);
      await invite(req, def.team(req), values.email, values.role as Role);
      req.session.set('flash', { key: 'people.invited', vars: { email: values.email } });
      return redirect(def.base);
    });

    app.post(`${def.base}/:id/role`, { config: { access: def.permission } }, async (req) => {
      const { values, errors } = parseForm(req.body, { role: { label: 'people.role', required: true, oneOf: def.roles } });
      if (errors.length) return listPage(req, { email: '', role: def.roles[0]! }, errors.map((e) => ({ ...e, field: `role-${idParam(req)}` })), 422);
      await changeRole(req, def.team(req), idParam(req), values.role as Role);
      req.session.set('flash', { key: 'people.role_changed' });
      return redirect(def.base);
    });

    // Removing access asks first, on a page of its own, so it works the same with and without JavaScript.
    app.get(`${def.base}/:id/remove`, { config: { access: def.permission } }, async (req) => {
      const team = def.team(req);
      const person = await teamMembers(req, team)
        .andWhere({ id: idParam(req), status: 'active' })
        .first('id', 'name', 'email');
      if (!person) throw notFound();
      return page('pages/people/remove', { title: req.viewer.t('people.remove.title', { name: person.name }), person, base: def.base });
    });

    app.post(`${def.base}/:id/remove`, { config: { access: def.permission } }, async (req) => {
      const id = idParam(req);
      await removePerson(req, def.team(req), id);
      if (id === req.viewer.user!.id) return redirect('/sign-in');
      req.session.set('flash', { key: 'people.removed' });
      return redirect(def.base);
    });

    app.post(`${def.base}/invitations/:id/revoke`, { config: { access: def.permission } }, async (req) => {
      await revokeInvitation(req, def.team(req), idParam(req));
      req.session.set('flash', { key: 'people.invitation_revoked' });
      return redirect(def.base);
    });
  }
}
