import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm } from '../../web/forms.ts';
import { page, redirect, safeReturnPath } from '../../web/results.ts';
import { signIn, verifySecondFactor, TWO_FACTOR_WINDOW_MS } from '../../services/sign-in.ts';
import { PASSWORD_MAX_LENGTH } from '../../services/passwords.ts';
import type { SessionAuth } from '../../web/session-data.ts';

const SIGN_IN_FORM = {
  email: { label: 'signin.email', required: true, maxLength: 254, messages: { required: 'signin.email.required' } },
  password: { label: 'signin.password', required: true, raw: true, maxLength: PASSWORD_MAX_LENGTH, messages: { required: 'signin.password.required' } },
} as const;

function signInPage(req: FastifyRequest, values: { email: string; next: string }, errors: { field: string; key: string; vars?: Record<string, string | number> }[], status = 200, notice?: string) {
  return page('pages/auth/sign-in', { title: req.viewer.t('signin.title'), values, errors, notice }, { status });
}

/** A new session id at sign-in: the pre-sign-in session (and any id an attacker planted) is destroyed. */
function completeSignIn(req: FastifyRequest, auth: SessionAuth) {
  const locale = req.session.get('locale');
  req.afterCommit(async () => {
    await req.session.regenerate();
    req.session.set('auth', auth);
    if (locale) req.session.set('locale', locale);
  });
}

function pendingSecondStep(req: FastifyRequest) {
  const pending = req.session.get('pendingTwoFactor');
  return pending && Date.now() - pending.at < TWO_FACTOR_WINDOW_MS ? pending : undefined;
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
      case 'two-factor': {
        // The password was right; the session learns who is signing in, but is not signed in yet.
        req.session.set('pendingTwoFactor', { ...result.auth, at: Date.now(), email: values.email });
        return redirect(`/sign-in/two-factor?next=${encodeURIComponent(next)}`);
      }
      case 'signed-in': {
        completeSignIn(req, { ...result.auth, signedInAt: Date.now() });
        return redirect(next);
      }
    }
  });

  app.get('/sign-in/two-factor', { config: { access: 'public' } }, async (req) => {
    const next = safeReturnPath((req.query as Record<string, unknown>).next, '/home');
    if (!pendingSecondStep(req)) return redirect('/sign-in');
    return page('pages/auth/two-factor', { title: req.viewer.t('two_factor.title'), next, errors: [] });
  });

  app.post('/sign-in/two-factor', { config: { access: 'public', context: 'signin' } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeReturnPath(body.next, '/home');
    const pending = pendingSecondStep(req);
    if (!pending) return redirect('/sign-in');
    const { values, errors } = parseForm(req.body, { code: { label: 'two_factor.code', required: true, maxLength: 20, messages: { required: 'two_factor.code.required' } } });
    if (errors.length) return page('pages/auth/two-factor', { title: req.viewer.t('two_factor.title'), next, errors }, { status: 422 });
    const outcome = await verifySecondFactor(req.db, { userId: pending.userId, email: pending.email, code: values.code, address: req.ip });
    if (outcome === 'throttled') {
      reply.header('Retry-After', '900');
      return page('pages/auth/two-factor', { title: req.viewer.t('two_factor.title'), next, errors: [{ field: 'code', key: 'signin.throttled', vars: { minutes: 15 } }] }, { status: 429 });
    }
    if (outcome === 'invalid') return page('pages/auth/two-factor', { title: req.viewer.t('two_factor.title'), next, errors: [{ field: 'code', key: 'two_factor.code.invalid' }] }, { status: 422 });
    completeSignIn(req, { userId: pending.userId, kind: pending.kind, partnerId: pending.partnerId, signedInAt: Date.now() });
    return redirect(next);
  });

  app.post('/sign-out', { config: { access: 'user' } }, async (req, reply) => {
    req.afterCommit(async () => {
      await req.session.destroy();
      reply.clearCookie(req.server.sessionCookieName, { path: '/' });
    });
    return redirect('/sign-in?signed_out=1');
  });
}
