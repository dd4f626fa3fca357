import type { FastifyRequest } from 'fastify';
import { DEFAULT_LOCALE, formatter, isLocale, negotiateLocale, translator, type Formatter, type Locale, type Translate } from '../i18n/index.ts';
import type { CurrentUser, Vendor } from '../repositories/viewer.ts';

/** Everything a page needs to know about who is looking at it. */
export type Viewer = {
  user: CurrentUser | null;
  vendor: Vendor;
  locale: Locale;
  t: Translate;
  fmt: Formatter;
};

/** Until the database has answered (or when it cannot), pages are drawn with these. */
export const FALLBACK_VENDOR: Vendor = { name: 'Partner portal', baseCurrency: 'USD', timeZone: 'UTC', requireTwoFactor: false };

/** The user's preference, else what this browser chose here before signing in, else Accept-Language, else English. */
export function resolveLocale(req: FastifyRequest, user: CurrentUser | null): Locale {
  if (user?.locale) return user.locale;
  const chosen = typeof req.session?.get === 'function' ? req.session.get('locale') : undefined;
  if (isLocale(chosen)) return chosen;
  return negotiateLocale(req.headers['accept-language']) ?? DEFAULT_LOCALE;
}

export function buildViewer(req: FastifyRequest, vendor: Vendor, user: CurrentUser | null): Viewer {
  const locale = resolveLocale(req, user);
  return {
    user,
    vendor,
    locale,
    t: translator(locale),
    fmt: formatter(locale, user?.timeZone ?? vendor.timeZone),
  };
}
