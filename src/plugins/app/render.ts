import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOCALE_NAMES, LOCALES } from '../../i18n/index.ts';
import { navigationFor } from '../../web/navigation.ts';
import type { Page } from '../../web/results.ts';
import type { Viewer } from '../../web/viewer.ts';
import { assetUrl } from '../../web/assets.ts';

/** The token forms carry in `_csrf` and htmx sends as X-CSRF-Token; one per session, made on first use. */
export function csrfToken(req: FastifyRequest): string {
  let token = req.session.get('csrf');
  if (!token) {
    token = randomBytes(32).toString('base64url');
    req.session.set('csrf', token);
  }
  return token;
}

/** htmx asks for a fragment with HX-Request-Type: partial; boosted navigation asks for the full page. */
export function wantsPartial(req: FastifyRequest): boolean {
  return req.headers['hx-request'] === 'true' && req.headers['hx-request-type'] === 'partial';
}

/** False when the session could not be loaded (the store failed), e.g. while rendering that very error. */
function hasSession(req: FastifyRequest): boolean {
  return typeof req.session?.get === 'function';
}

export function layoutData(req: FastifyRequest, viewer: Viewer) {
  const flash = hasSession(req) ? req.session.get('flash') : undefined;
  if (flash) req.session.set('flash', undefined);
  return {
    t: viewer.t,
    fmt: viewer.fmt,
    locale: viewer.locale,
    user: viewer.user,
    vendor: viewer.vendor,
    nav: navigationFor(viewer.user, { showSentMail: req.server.portalConfig.showSentMail }),
    currentPath: req.url.split('?')[0],
    returnTo: req.method === 'GET' ? req.url : req.url.split('?')[0],
    locales: LOCALES.map((code) => ({ code, name: LOCALE_NAMES[code] })),
    csrf: hasSession(req) ? csrfToken(req) : '',
    flash: flash ? viewer.t(flash.key, flash.vars) : null,
    asset: assetUrl,
    mustUseTwoFactor: viewer.user?.mustUseTwoFactor ?? false,
    errors: [] as unknown[],
  };
}

export async function renderPage(req: FastifyRequest, reply: FastifyReply, page: Page) {
  const partial = page.options.partial && wantsPartial(req) ? page.options.partial : null;
  // `fragment` tells a partial it stands alone, e.g. to show the flash message the layout would have shown.
  const html = await req.server.view(partial ?? page.template, { ...layoutData(req, req.viewer), ...page.data, fragment: partial !== null });
  return reply
    .status(page.options.status ?? 200)
    .header('Vary', 'HX-Request, HX-Request-Type')
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}
