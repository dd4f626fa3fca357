import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import compress from '@fastify/compress';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';

export default fp(
  async function security(app: FastifyInstance, opts: { production: boolean }) {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          // No inline script and no eval: htmx attributes that need eval (hx-on, js: values) cannot run.
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          ...(opts.production ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: opts.production,
      crossOriginEmbedderPolicy: false,
    });
    await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
    // Small forms only: a field is at most a few KB, and a body beyond 1 MB is refused with 413.
    await app.register(formbody, { bodyLimit: 1024 * 1024 });
  },
  { name: 'security' },
);
