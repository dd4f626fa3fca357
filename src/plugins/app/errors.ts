import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { HttpError } from '../../web/results.ts';
import { buildViewer, FALLBACK_VENDOR, type Viewer } from '../../web/viewer.ts';
import { inContext } from '../../db/scope.ts';
import { loadViewer } from '../../repositories/viewer.ts';
import { contextFor } from './request-scope.ts';
import { layoutData, wantsPartial } from './render.ts';

type ErrorView = { status: number; key: string };

function classify(err: FastifyError | HttpError | Error): ErrorView {
  if (err instanceof HttpError) return { status: err.status, key: err.messageKey };
  if (isDatabaseUnavailable(err)) return { status: 503, key: 'error.unavailable' };
  const status = (err as FastifyError).statusCode;
  if (status === 413) return { status, key: 'error.too_large' };
  if (status === 415) return { status, key: 'error.bad_request' };
  if (status && status >= 400 && status < 500) return { status: 400, key: 'error.bad_request' };
  return { status: 500, key: 'error.internal' };
}

/**
 * Errors raised before a route's scope ran (unknown address, a refused CSRF token) still show the page as the
 * signed-in user knows it: vendor name, navigation, language. Unless the database is the problem.
 */
async function viewerFor(req: FastifyRequest, view: ErrorView): Promise<Viewer> {
  if (req.viewer) return req.viewer;
  if (view.status !== 503) {
    try {
      const { vendor, user } = await inContext(req.server.database.knex, contextFor(req), loadViewer);
      return buildViewer(req, vendor, user);
    } catch (err) {
      req.log.warn({ err }, 'could not load the viewer for an error page');
    }
  }
  return buildViewer(req, FALLBACK_VENDOR, null);
}

async function renderError(req: FastifyRequest, reply: FastifyReply, view: ErrorView) {
  const viewer = await viewerFor(req, view);
  const data = { ...layoutData(req, viewer), status: view.status, message: viewer.t(view.key), title: viewer.t(`${view.key}.title`) };
  // htmx swaps 4xx/5xx responses too: give it the message alone, not a page inside the page.
  const template = wantsPartial(req) ? 'partials/error' : 'pages/error';
  const html = await req.server.view(template, data);
  return reply.status(view.status).header('Vary', 'HX-Request, HX-Request-Type').header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler(async (err: FastifyError | HttpError, req, reply) => {
      const view = classify(err);
      if (view.status >= 500) req.log.error({ err }, 'request failed');
      else req.log.info({ status: view.status, reason: err.message }, 'request refused');
      if (err instanceof HttpError) reply.headers(err.headers);
      if (view.status === 503) reply.header('Retry-After', '30');
      try {
        return await renderError(req, reply, view);
      } catch (renderErr) {
        req.log.error({ err: renderErr }, 'error page failed to render');
        return reply.status(view.status).type('text/plain; charset=utf-8').send(view.status === 503 ? 'Service unavailable' : 'Error');
      }
    });

    app.setNotFoundHandler(async (req, reply) => renderError(req, reply, { status: 404, key: 'error.not_found' }));
  },
  { name: 'errors' },
);
