import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { Knex } from 'knex';
import { inContext, type DbContext } from '../../db/scope.ts';
import { loadViewer } from '../../repositories/viewer.ts';
import { can } from '../../policies/permissions.ts';
import { isAccess } from '../../web/access.ts';
import { buildViewer, FALLBACK_VENDOR, type Viewer } from '../../web/viewer.ts';
import { HttpError, Page, Raw, Redirect, forbidden } from '../../web/results.ts';
import { ABSOLUTE_TIMEOUT_MS } from '../external/session.ts';
import { renderPage } from './render.ts';
import '../../web/session-data.ts';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
    /** The request's database handle: one transaction, in this request's context. Only inside handlers. */
    db: Knex.Transaction;
    /**
     * Work to do once the request's transaction has committed and before the response: session changes
     * (the session store must not run while the transaction holds the embedded database's one connection).
     */
    afterCommit(work: () => Promise<void>): void;
  }
}

export type RouteRecord = { method: string; url: string; access: unknown };

const WRAPPED = Symbol('scoped');
const AFTER = Symbol('afterCommit');

class SignedOut extends Error {}

/**
 * Makes the request's context structural: each route declares its access, and its handler only ever runs
 * inside one transaction that has dropped to the application role and set the context from the session.
 */
export default fp(
  async function requestScope(app: FastifyInstance, opts: { knex: Knex; routes: RouteRecord[] }) {
    app.decorateRequest('viewer', null as unknown as Viewer);
    app.decorateRequest('db', null as unknown as Knex.Transaction);
    app.decorateRequest('afterCommit', function (this: FastifyRequest, work: () => Promise<void>) {
      const queue = ((this as FastifyRequest & { [AFTER]?: Array<() => Promise<void>> })[AFTER] ??= []);
      queue.push(work);
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      const access = route.config?.access;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) opts.routes.push({ method, url: route.url, access });
      if (!isAccess(access)) {
        throw new Error(`Route ${methods.join(',')} ${route.url} declares no valid access (public, user or a permission)`);
      }
      const handler = route.handler as RouteHandlerMethod & { [WRAPPED]?: true };
      if (handler[WRAPPED]) return;
      const wrapped = (route.config?.db === false
        ? withoutDatabase(handler)
        : scoped(opts.knex, handler)) as RouteHandlerMethod & { [WRAPPED]?: true };
      wrapped[WRAPPED] = true;
      route.handler = wrapped;
    });
  },
  { name: 'request-scope', dependencies: ['session'] },
);

export function contextFor(req: FastifyRequest): DbContext {
  const declared = req.routeOptions?.config?.context;
  if (declared) return { context: declared };
  const auth = typeof req.session?.get === 'function' ? req.session.get('auth') : undefined;
  if (!auth) return { context: 'anonymous' };
  return { context: auth.kind, userId: auth.userId, partnerId: auth.partnerId ?? undefined };
}

/** Where a user who must still set up two-factor sign-in may go meanwhile. */
const TWO_FACTOR_SETUP_PATHS = new Set(['/account/two-factor', '/account/two-factor/codes', '/sign-out', '/language']);

function checkAccess(req: FastifyRequest): Redirect | null {
  const access = req.routeOptions.config.access;
  const user = req.viewer.user;
  if (user?.mustUseTwoFactor && !user.twoFactor && !TWO_FACTOR_SETUP_PATHS.has(req.routeOptions.url ?? '')) {
    return new Redirect('/account/two-factor');
  }
  if (access === 'public') return null;
  if (!user) return new Redirect(`/sign-in?next=${encodeURIComponent(req.url)}`);
  if (access === 'user') return null;
  if (access && can(user, access)) return null;
  throw forbidden();
}

function withoutDatabase(handler: RouteHandlerMethod) {
  return async function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
    if (req.routeOptions.config.access !== 'public') throw new Error('Routes without a database can only be public');
    req.viewer = buildViewer(req, FALLBACK_VENDOR, null);
    return handler.call(this, req, reply);
  };
}

function scoped(knex: Knex, handler: RouteHandlerMethod) {
  return async function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
    const auth = req.session.get('auth');
    if (auth && Date.now() - auth.signedInAt > ABSOLUTE_TIMEOUT_MS) {
      await req.session.destroy();
      return signedOutRedirect(req, reply);
    }
    const ctx = contextFor(req);
    // The fallback viewer lets error pages render if the database cannot be reached.
    req.viewer = buildViewer(req, FALLBACK_VENDOR, null);
    let result: unknown;
    try {
      result = await inContext(knex, ctx, async (db) => {
        const { vendor, user } = await loadViewer(db);
        if (auth && !user && (ctx.context === 'staff' || ctx.context === 'partner')) throw new SignedOut();
        req.viewer = buildViewer(req, vendor, user);
        const denied = checkAccess(req);
        if (denied) return denied;
        req.db = db;
        try {
          const outcome = await handler.call(this, req, reply);
          // Sending now would save the session while this transaction still holds the embedded database's
          // only connection: handlers return a result, which is sent after the commit.
          if (reply.sent) throw new Error(`${req.method} ${req.routeOptions.url} sent its response inside the request transaction; return a result instead`);
          return outcome;
        } finally {
          req.db = null as unknown as Knex.Transaction;
        }
      });
    } catch (err) {
      if (err instanceof SignedOut) {
        await req.session.destroy();
        return signedOutRedirect(req, reply);
      }
      throw err;
    }
    for (const work of (req as FastifyRequest & { [AFTER]?: Array<() => Promise<void>> })[AFTER] ?? []) await work();
    return deliver(req, reply, result);
  };
}

function signedOutRedirect(req: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(req.server.sessionCookieName, { path: '/' });
  return reply.redirect(`/sign-in?next=${encodeURIComponent(req.url)}`, 303);
}

async function deliver(req: FastifyRequest, reply: FastifyReply, result: unknown) {
  if (result instanceof Redirect) return reply.redirect(result.location, 303);
  if (result instanceof Page) return renderPage(req, reply, result);
  if (result instanceof Raw) return reply.headers(result.headers).type(result.type).send(result.body);
  if (result instanceof HttpError) throw result;
  return result;
}
