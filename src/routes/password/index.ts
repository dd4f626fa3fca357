import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, page, redirect } from '../../web/results.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MESSAGES, PASSWORD_MIN_LENGTH } from '../../services/passwords.ts';
import { hashToken, looksLikeToken, newToken } from '../../services/tokens.ts';
import { absoluteUrl, queueEmail } from '../../services/mail.ts';
import { endSessionsOfUsers } from '../../plugins/external/session.ts';
import { isLocale } from '../../i18n/index.ts';

export const RESET_MINUTES = 60;

const FORGOT = { email: { label: 'signin.email', required: true, email: true, maxLength: 254, messages: { required: 'signin.email.required' } } } as const;
const RESET = { password: { label: 'password.new', required: true, raw: true, minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, messages: PASSWORD_MESSAGES } } as const;

function token(req: FastifyRequest): string {
  const value = (req.params as { token: string }).token;
  if (!looksLikeToken(value)) throw new HttpError(404, 'password.reset.invalid');
  return value;
}

async function validReset(req: FastifyRequest): Promise<string> {
  const hash = hashToken(token(req));
  const { rows } = await req.db.raw('SELECT password_reset_valid(?) AS ok', [hash]);
  if (!rows[0].ok) throw new HttpError(410, 'password.reset.invalid');
  return hash;
}

function resetPage(req: FastifyRequest, errors: FieldError[], status = 200) {
  return page('pages/password/reset', { title: req.viewer.t('password.reset.title'), errors }, { status });
}

export default async function passwordRoutes(app: FastifyInstance) {
  app.get('/password/forgot', { config: { access: 'public', context: 'link' } }, async (req) =>
    page('pages/password/forgot', { title: req.viewer.t('password.forgot.title'), values: { email: '' }, errors: [] }),
  );

  // The answer is the same whether or not the address has an account.
  app.post('/password/forgot', { config: { access: 'public', context: 'link' } }, async (req) => {
    const { values, errors } = parseForm(req.body, FORGOT);
    if (errors.length) return page('pages/password/forgot', { title: req.viewer.t('password.forgot.title'), values, errors }, { status: 422 });
    const { token: secret, hash } = newToken();
    const expires = new Date(Date.now() + RESET_MINUTES * 60_000);
    const { rows } = await req.db.raw('SELECT * FROM start_password_reset(?, ?, ?)', [values.email, hash, expires]);
    const user = rows[0] as { user_id: number; name: string; email: string; locale: string | null } | undefined;
    if (user) {
      await queueEmail(req, {
        eventKey: `password-reset:${hash}`,
        to: user.email,
        toName: user.name,
        locale: isLocale(user.locale) ? user.locale : req.viewer.locale,
        template: 'password_reset',
        params: { name: user.name, link: absoluteUrl(req, `/password/reset/${secret}`), minutes: RESET_MINUTES },
      });
    }
    return page('pages/password/sent', { title: req.viewer.t('password.sent.title'), email: values.email });
  });

  app.get('/password/reset/:token', { config: { access: 'public', context: 'link' } }, async (req) => {
    await validReset(req);
    return resetPage(req, []);
  });

  app.post('/password/reset/:token', { config: { access: 'public', context: 'link' } }, async (req) => {
    const hash = await validReset(req);
    const { values, errors } = parseForm(req.body, RESET);
    if (errors.length) return resetPage(req, errors, 422);
    const { rows } = await req.db.raw('SELECT complete_password_reset(?, ?) AS user_id', [hash, await hashPassword(values.password)]);
    const userId = rows[0].user_id as number | null;
    if (!userId) throw new HttpError(410, 'password.reset.invalid');
    // Whoever knew the old password is signed out everywhere.
    req.afterCommit(async () => {
      await endSessionsOfUsers(req.server.database.knex, [userId]);
      req.session.set('flash', { key: 'password.reset.done' });
    });
    return redirect('/sign-in');
  });
}
