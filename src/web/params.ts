import type { FastifyRequest } from 'fastify';

/**
 * A value from an address, a form or a query string as a database id: an integer from 1 to 2147483647 (the
 * integer columns' range), else 0, which finds nothing. Anything larger would make the database raise an error.
 */
export function asId(raw: unknown): number {
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  if (!/^\d{1,10}$/.test(text)) return 0;
  const id = Number(text);
  return id <= 2_147_483_647 ? id : 0;
}

/** A route parameter as a database id (see asId). */
export function idParam(req: FastifyRequest, name = 'id'): number {
  return asId((req.params as Record<string, string | undefined>)[name]);
}

/** A query-string value as one string (a repeated parameter takes its first value). */
export function queryValue(req: FastifyRequest, name: string): string {
  const value = (req.query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

/** A positive page number from the query string (1 when missing or not a number, at most `max`). */
export function pageParam(req: FastifyRequest, max = 999_999): number {
  const raw = queryValue(req, 'page');
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.min(Math.max(n, 1), max);
}
