import type { FastifyInstance } from 'fastify';
import { page } from '../../web/results.ts';
import { PERMISSIONS, scopeOf, type Permission } from '../../policies/permissions.ts';

export default async function homeRoutes(app: FastifyInstance) {
  // One address for everyone; what it shows depends on who is signed in.
  app.get('/home', { config: { access: 'user' } }, async (req) => {
    const { user, t } = req.viewer;
    if (!user) throw new Error('unreachable: access user');
    if (user.kind === 'partner' && user.partnerStatus !== 'active') {
      // An applicant sees its application and nothing else of the portal.
      const application = await req.db('partners').where('id', user.partnerId).first('name', 'applied_at', 'rejection_reason', 'decided_at');
      return page('pages/home/applicant', { title: t('home.applicant.title'), status: user.partnerStatus, application });
    }
    // What this role may do, straight from the permission matrix, so the page never promises more than it allows.
    const abilities = (Object.keys(PERMISSIONS) as Permission[])
      .map((permission) => ({ permission, scope: scopeOf(user, permission) }))
      .filter((a) => a.scope !== null);
    const template = user.kind === 'staff' ? 'pages/home/staff' : 'pages/home/partner';
    return page(template, { title: t('home.title'), abilities });
  });
}
