/** Errors that mean "the database cannot be reached right now", as opposed to a bug or bad input. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(e.code)) return true;
  // Class 08 (connection exception), 57P01..57P03 (shutdown, crash, cannot connect now)
  if (e.code && (/^08/.test(e.code) || ['57P01', '57P02', '57P03'].includes(e.code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? '');
}

/** A unique-constraint violation, for turning a race into a form error instead of a 500. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return !!e && e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
