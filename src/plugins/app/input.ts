import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

const NUL = /\u0000/g;

/** The same value without U+0000 in any string, however deep in arrays and plain objects; files stay as sent. */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replace(NUL, '') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  const proto = value && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  // Parsed query strings and forms are plain objects, some without a prototype or on one that has none.
  if (proto === Object.prototype || proto === null || (proto !== undefined && Object.getPrototypeOf(proto) === null)) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, withoutNul(v)]));
  }
  return value;
}

/**
 * PostgreSQL cannot store U+0000 in text, and no one types it: a pasted or forged one would turn a search, a
 * filter or a form into an error page. It is removed from the query string, the route's parameters and the
 * form before anything reads them.
 */
export default fp(
  async function input(app: FastifyInstance) {
    app.addHook('preValidation', async (req) => {
      req.query = withoutNul(req.query) as typeof req.query;
      req.params = withoutNul(req.params) as typeof req.params;
      req.body = withoutNul(req.body) as typeof req.body;
    });
  },
  { name: 'input' },
);
