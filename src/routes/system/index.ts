import type { FastifyInstance } from 'fastify';
import { assetByUrl } from '../../web/assets.ts';
import { isLocale } from '../../i18n/index.ts';
import { Raw, redirect, safeReturnPath } from '../../web/results.ts';
import { setOwnLocale } from '../../repositories/users.ts';

export default async function systemRoutes(app: FastifyInstance) {
  // The process is alive; says nothing about the database.
  app.get('/healthz', { config: { access: 'public', db: false } }, async (_req, reply) => {
    return reply.header('Cache-Control', 'no-store').type('text/plain').send('ok');
  });

  // Ready to serve: the database answered inside a request scope (an unreachable database is a 503 page).
  app.get('/readyz', { config: { access: 'public' } }, async () => new Raw('ready', 'text/plain', { 'Cache-Control': 'no-store' }));

  app.get('/static/:file', { config: { access: 'public', db: false }, compress: false }, async (req, reply) => {
    const asset = assetByUrl(req.url.split('?')[0] ?? '');
    if (!asset) return reply.callNotFound();
    const accepts = String(req.headers['accept-encoding'] ?? '');
    reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('ETag', asset.etag)
      .header('Vary', 'Accept-Encoding')
      .type(asset.type);
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    if (/\bbr\b/.test(accepts)) return reply.header('Content-Encoding', 'br').send(asset.br);
    if (/\bgzip\b/.test(accepts)) return reply.header('Content-Encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  });

  app.get('/', { config: { access: 'public' } }, async (req) => redirect(req.viewer.user ? '/home' : '/sign-in'));

  // Language switcher in every page's footer: a signed-in user's preference, otherwise this browser's session.
  app.post('/language', { config: { access: 'public' } }, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = safeReturnPath(body.next, '/');
    if (!isLocale(body.locale)) return redirect(back);
    if (req.viewer.user) await setOwnLocale(req.db, body.locale);
    req.session.set('locale', body.locale);
    return redirect(back);
  });
}
