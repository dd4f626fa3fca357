import { localizedParams, type Vars } from '../../i18n/index.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound, page, redirect } from '../../web/results.ts';
import { idParam } from '../../web/params.ts';

async function listPage(req: FastifyRequest) {
  // Only the signed-in user's own notifications exist for this context (the policy), newest first.
  const items = await req.db('notifications').select('id', 'type', 'params', 'link', 'created_at', 'read_at').orderBy('id', 'desc').limit(100);
  const t = req.viewer.t;
  const shown = items.map((n: { params: Vars }) => ({ ...n, params: localizedParams(t, n.params ?? {}) }));
  return page('pages/notifications/index', { title: t('notifications.title'), items: shown }, { partial: 'partials/notifications/list' });
}

export default async function notificationRoutes(app: FastifyInstance) {
  app.get('/notifications', { config: { access: 'user' } }, async (req) => listPage(req));

  app.post('/notifications/:id/read', { config: { access: 'user' } }, async (req) => {
    const id = idParam(req);
    const n = await req.db('notifications').where('id', id).whereNull('read_at').update({ read_at: req.db.fn.now() });
    if (n === 0 && !(await req.db('notifications').where('id', id).first('id'))) throw notFound();
    return redirect('/notifications');
  });

  app.post('/notifications/read-all', { config: { access: 'user' } }, async (req) => {
    await req.db('notifications').whereNull('read_at').update({ read_at: req.db.fn.now() });
    return redirect('/notifications');
  });
}
