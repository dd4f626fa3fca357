import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { HttpError, page, redirect } from '../../web/results.ts';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, setupQr, verifyTotp } from '../../services/two-factor.ts';
import { verifyPassword, PASSWORD_MAX_LENGTH } from '../../services/passwords.ts';
import { audit } from '../../services/audit.ts';

async function twoFactorPage(req: FastifyRequest, errors: FieldError[] = [], status = 200) {
  const user = req.viewer.user!;
  if (user.twoFactor) {
    const { rows } = await req.db.raw('SELECT own_recovery_codes_left() AS n');
    return page('pages/account/two-factor', { title: req.viewer.t('two_factor.setup.title'), enabled: true, codesLeft: rows[0].n, errors }, { status });
  }
  // The secret lives in the session until the first code proves the app has it.
  let secret = req.session.get('totpSetup');
  if (!secret) {
    secret = newTotpSecret();
    req.session.set('totpSetup', secret);
  }
  const qr = await setupQr(secret, user.email, `${req.viewer.vendor.name} partner portal`);
  return page('pages/account/two-factor', { title: req.viewer.t('two_factor.setup.title'), enabled: false, secret: secret.replace(/(.{4})/g, '$1 ').trim(), qr, errors }, { status });
}

export default async function twoFactorRoutes(app: FastifyInstance) {
  app.get('/account/two-factor', { config: { access: 'user' } }, async (req) => twoFactorPage(req));

  app.post('/account/two-factor', { config: { access: 'user' } }, async (req) => {
    const secret = req.session.get('totpSetup');
    const { values, errors } = parseForm(req.body, { code: { label: 'two_factor.code', required: true, maxLength: 20, messages: { required: 'two_factor.code.required' } } });
    if (!errors.length && (!secret || !verifyTotp(secret, values.code))) errors.push({ field: 'code', key: 'two_factor.code.invalid' });
    if (errors.length || !secret) return twoFactorPage(req, errors, 422);
    const codes = newRecoveryCodes();
    await req.db.raw('SELECT set_own_two_factor(?, ?::text[])', [secret, codes.map(hashRecoveryCode)]);
    const user = req.viewer.user!;
    await audit(req, { entityType: 'user', entityId: user.id, partnerId: user.partnerId ?? null, action: 'two_factor_enabled' });
    req.session.set('totpSetup', undefined);
    req.session.set('recoveryCodes', codes);
    return redirect('/account/two-factor/codes');
  });

  // Shown once, straight after setup: a reload finds them gone.
  app.get('/account/two-factor/codes', { config: { access: 'user' } }, async (req) => {
    const codes = req.session.get('recoveryCodes');
    if (!codes) return redirect('/account/two-factor');
    req.session.set('recoveryCodes', undefined);
    return page('pages/account/recovery-codes', { title: req.viewer.t('two_factor.codes.title'), codes });
  });

  app.post('/account/two-factor/disable', { config: { access: 'user' } }, async (req) => {
    if (req.viewer.user!.mustUseTwoFactor) throw new HttpError(403, 'two_factor.required_cannot_turn_off');
    const { values, errors } = parseForm(req.body, { password: { label: 'account.current_password', required: true, raw: true, maxLength: PASSWORD_MAX_LENGTH } });
    if (!errors.length) {
      const { rows } = await req.db.raw('SELECT own_password_hash() AS hash');
      if (!(await verifyPassword(rows[0].hash, values.password))) errors.push({ field: 'password', key: 'account.current_password.wrong' });
    }
    if (errors.length) return twoFactorPage(req, errors, 422);
    await req.db.raw('SELECT set_own_two_factor(NULL, ?::text[])', [[]]);
    const user = req.viewer.user!;
    await audit(req, { entityType: 'user', entityId: user.id, partnerId: user.partnerId ?? null, action: 'two_factor_disabled' });
    req.session.set('flash', { key: 'two_factor.disabled' });
    return redirect('/account');
  });
}
