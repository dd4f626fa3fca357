import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../web/results.ts';
import '../../web/session-data.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A form's own field wins: it was rendered with the form, while a header may come from an older page. */
function sentToken(req: FastifyRequest): string | undefined {
  const body = req.body as Record<string, unknown> | null | undefined;
  const field = body && typeof body === 'object' ? body._csrf : undefined;
  if (typeof field === 'string' && field) return field;
  const header = req.headers['x-csrf-token'];
  return typeof header === 'string' && header ? header : undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every state-changing request must carry this session's token, as the `_csrf` form field or, from htmx,
 * the X-CSRF-Token header. Checked after the body is parsed and before any handler runs.
 */
export default fp(
  async function csrf(app: FastifyInstance) {
    app.addHook('preValidation', async (req) => {
      if (SAFE.has(req.method)) return;
      const expected = req.session?.get('csrf');
      const sent = sentToken(req);
      if (!expected || !sent || !same(expected, sent)) throw new HttpError(403, 'error.csrf');
    });
  },
  { name: 'csrf', dependencies: ['session'] },
);
