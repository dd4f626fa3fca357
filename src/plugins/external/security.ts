import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import compress from '@fastify/compress';
import formbody from '@fastify/formbody';
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

/** An uploaded file as handlers see it in the body. */
export type UploadedFile = { filename: string; data: Buffer };

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
    // File uploads (CSV import) arrive as plain body fields, so the CSRF check and the forms read them as usual;
    // a file becomes { filename, data } and is bounded in size and number.
    await app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: 5 * 1024 * 1024, files: 1, fields: 20, fieldSize: 64 * 1024 },
      async onFile(part: MultipartFile & { value?: unknown }) {
        part.value = { filename: part.filename, data: await part.toBuffer() } satisfies UploadedFile;
      },
    });
  },
  { name: 'security' },
);
