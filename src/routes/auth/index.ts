import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm } from '../../web/forms.ts';
import { page, redirect, safeReturnPath } from '../../web/results.ts';
import { signIn } from '../../services/sign-in.ts';
import { PASSWORD_MAX_LENGTH } from '../../services/passwords.ts';
import type { SessionAuth } from '../../web/session-data.ts';

const SIGN_IN_FORM = {
  email: { label: 'signin.email', required: true, maxLength: 254, messages: { required: 'signin.email.required' } },
  password: { label: 'signin.password', required: true, raw: true, maxLength: PASSWORD_MAX_LENGTH, messages: { required: 'signin.password.required' } },
} as const;

function signInPage(req: FastifyRequest, values: { email: string; next: string }, errors: { field: string; key: string; vars?: Record<string, string | number> }[], status = 200, notice?: string) {
  return page('pages/auth/sign-in', { title: req.viewer.t('signin.title'), values, errors, notice }, { status });
}

export default async function authRoutes(app: FastifyInstance) {
  app.get('/sign-in', { config: { access: 'public' } }, async (req) => {
    const query = req.query as Record<string, unknown>;
    const next = safeReturnPath(query.next, '/home');
    if (req.viewer.user) return redirect(next);
    const notice = query.signed_out === '1' ? 'signin.signed_out' : undefined;
    return signInPage(req, { email: '', next }, [], 200, notice);
  });

  app.post('/sign-in', { config: { access: 'public', context: 'signin' } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeReturnPath(body.next, '/home');
    const { values, errors } = parseForm(req.body, SIGN_IN_FORM);
    if (errors.length > 0) return signInPage(req, { email: values.email, next }, errors, 422);

    const result = await signIn(req.db, { email: values.email, password: values.password, address: req.ip });
    switch (result.outcome) {
      case 'throttled': {
        const minutes = Math.ceil(result.retryAfterSeconds / 60);
        reply.header('Retry-After', String(result.retryAfterSeconds));
        return signInPage(req, { email: values.email, next }, [{ field: 'email', key: 'signin.throttled', vars: { minutes } }], 429);
      }
      case 'invalid':
        return signInPage(req, { email: values.email, next }, [{ field: 'email', key: 'signin.invalid' }], 422);
      case 'not-allowed':
        return signInPage(req, { email: values.email, next }, [{ field: 'email', key: 'signin.not_allowed' }], 403);
      case 'signed-in': {
        const auth: SessionAuth = { ...result.auth, signedInAt: Date.now() };
        const locale = req.session.get('locale');
        // A new session id at sign-in: the pre-sign-in session (and any id an attacker planted) is destroyed.
        req.afterCommit(async () => {
          await req.session.regenerate();
          req.session.set('auth', auth);
          if (locale) req.session.set('locale', locale);
        });
        return redirect(next);
      }
    }
  });

  app.post('/sign-out', { config: { access: 'user' } }, async (req, reply) => {
    req.afterCommit(async () => {
      await req.session.destroy();
      reply.clearCookie(req.server.sessionCookieName, { path: '/' });
    });
    return redirect('/sign-in?signed_out=1');
  });
}
