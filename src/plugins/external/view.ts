import fp from 'fastify-plugin';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ROOT } from '../../config.ts';

/** Eta templates under views/, escaped by default (`<%= %>`); `<%~ %>` is only for our own trusted HTML. */
export default fp(
  async function view(app: FastifyInstance, opts: { cache: boolean }) {
    const eta = new Eta({ views: path.join(ROOT, 'views'), cache: opts.cache, autoEscape: true, autoTrim: false });
    await app.register(fastifyView, { engine: { eta }, root: path.join(ROOT, 'views'), production: opts.cache });
  },
  { name: 'view' },
);
