import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { Knex } from 'knex';
import type { FastifyBaseLogger, FastifyInstance, Session } from 'fastify';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { affected } from '../../db/connect.ts';

export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * Sessions live in PostgreSQL. The store works with the owner's handle on a table the application role cannot
 * read, before the request's own transaction begins (on the embedded database the two share one connection,
 * so they must never overlap: the request transaction ends before the response, and so before the save).
 */
export class SessionStore {
  #knex: Knex;
  #log: FastifyBaseLogger | undefined;
  constructor(knex: Knex, log?: FastifyBaseLogger) {
    this.#knex = knex;
    this.#log = log;
  }

  get(sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.#knex('sessions')
      .select('sess')
      .where('sid', sid)
      .andWhere('expires_at', '>', this.#knex.fn.now())
      .first()
      .then((row?: { sess: Session }) => callback(null, row?.sess ?? null), callback);
  }

  set(sid: string, session: Session, callback: Callback): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + IDLE_TIMEOUT_MS);
    const auth = session.auth;
    this.#knex('sessions')
      .insert({ sid, sess: JSON.stringify(session), expires_at: expires, user_id: auth?.userId ?? null })
      .onConflict('sid')
      .merge()
      .then(
        () => callback(),
        (err: unknown) => {
          // With the database gone, the response (a 503 page) matters more than saving the session: a failed
          // save here would replace that page with a bare error.
          if (isDatabaseUnavailable(err)) {
            this.#log?.warn({ err }, 'session not saved: database unavailable');
            callback();
          } else callback(err);
        },
      );
  }

  destroy(sid: string, callback: Callback): void {
    this.#knex('sessions').where('sid', sid).delete().then(() => callback(), callback);
  }
}

/** Ends every session of these users at once (removal, suspension, a new password), but the one named in `except`. */
export async function endSessionsOfUsers(knex: Knex, userIds: number[], except?: string): Promise<number> {
  if (userIds.length === 0) return 0;
  const q = knex('sessions').whereIn('user_id', userIds);
  if (except) q.whereNot('sid', except);
  return affected(await q.delete());
}

export async function sweepExpiredSessions(knex: Knex): Promise<number> {
  return affected(await knex('sessions').where('expires_at', '<=', knex.fn.now()).delete());
}

export function sessionCookieName(production: boolean): string {
  // The __Host- prefix pins the cookie to this host, path / and HTTPS.
  return production ? '__Host-portal_session' : 'portal_session';
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionCookieName: string;
  }
}

export default fp(
  async function session(app: FastifyInstance, opts: { knex: Knex; secret: string; production: boolean }) {
    app.decorate('sessionCookieName', sessionCookieName(opts.production));
    await app.register(fastifyCookie);
    await app.register(fastifySession, {
      secret: opts.secret,
      cookieName: sessionCookieName(opts.production),
      store: new SessionStore(opts.knex, app.log),
      saveUninitialized: false,
      rolling: true,
      cookie: {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.production,
        maxAge: IDLE_TIMEOUT_MS,
      },
    });
  },
  { name: 'session' },
);
