import type { FastifyRequest } from 'fastify';

/** A numeric route parameter as a database id; anything else (text, out of the integer range) is 0, which finds nothing. */
export function idParam(req: FastifyRequest, name = 'id'): number {
  const raw = (req.params as Record<string, string | undefined>)[name] ?? '';
  if (!/^\d{1,10}$/.test(raw)) return 0;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : 0;
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
