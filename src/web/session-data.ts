import type { Locale } from '../i18n/index.ts';

/** What we keep in a session. The partner id is copied at sign-in: a user never changes company. */
export type SessionAuth = {
  userId: number;
  kind: 'staff' | 'partner';
  partnerId: number | null;
  /** Epoch milliseconds of sign-in, for the absolute timeout. */
  signedInAt: number;
};

/** A one-time message shown on the next page (after a redirect). */
export type Flash = { key: string; vars?: Record<string, string | number> };

declare module 'fastify' {
  interface Session {
    auth?: SessionAuth;
    /** Password checked, authenticator code still to come (at most a few minutes). */
    pendingTwoFactor?: Omit<SessionAuth, 'signedInAt'> & { at: number; email: string };
    /** A secret being set up, until the first code confirms it. */
    totpSetup?: string;
    /** Recovery codes to show once, right after they were made. */
    recoveryCodes?: string[];
    csrf?: string;
    locale?: Locale;
    flash?: Flash;
    /** Knowledge articles an anonymous visitor has rated, so the question is not asked again. */
    kbVoted?: number[];
  }
}
