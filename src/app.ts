import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import type { Database } from './db/connect.ts';
import security from './plugins/external/security.ts';
import session from './plugins/external/session.ts';
import view from './plugins/external/view.ts';
import csrf from './plugins/app/csrf.ts';
import input from './plugins/app/input.ts';
import errors from './plugins/app/errors.ts';
import requestScope, { type RouteRecord } from './plugins/app/request-scope.ts';
import systemRoutes from './routes/system/index.ts';
import authRoutes from './routes/auth/index.ts';
import homeRoutes from './routes/home/index.ts';
import accountRoutes from './routes/account/index.ts';
import twoFactorRoutes from './routes/account/two-factor.ts';
import settingsRoutes from './routes/admin/settings.ts';
import productRoutes from './routes/admin/products.ts';
import applicationRoutes from './routes/admin/applications.ts';
import partnerAdminRoutes from './routes/admin/partners.ts';
import sentMailRoutes from './routes/admin/mail.ts';
import programRoutes from './routes/program/index.ts';
import applyRoutes from './routes/apply/index.ts';
import peopleRoutes from './routes/company/people.ts';
import profileRoutes from './routes/company/profile.ts';
import invitationRoutes from './routes/invitations/index.ts';
import passwordRoutes from './routes/password/index.ts';
import auditRoutes from './routes/audit/index.ts';
import notificationRoutes from './routes/notifications/index.ts';
import directoryRoutes from './routes/directory/index.ts';
import customerRoutes from './routes/customers/index.ts';
import relationshipRoutes from './routes/customers/relationships.ts';
import customerLinkRoutes from './routes/relationships/index.ts';
import twoTierRoutes from './routes/admin/two-tier.ts';
import staffOpportunityRoutes from './routes/opportunities/staff.ts';
import partnerOpportunityRoutes from './routes/opportunities/partner.ts';
import opportunitySettingsRoutes from './routes/admin/opportunity-settings.ts';
import dealRoutes from './routes/opportunities/deals.ts';
import reviewRoutes from './routes/opportunities/review.ts';
import knowledgeRoutes from './routes/knowledge/index.ts';
import knowledgeAdminRoutes from './routes/knowledge/admin.ts';
import forumRoutes from './routes/forums/index.ts';
import caseRoutes from './routes/cases/index.ts';
import staffCaseRoutes from './routes/cases/staff.ts';
import caseTargetRoutes from './routes/cases/targets.ts';
import { loadAssets } from './web/assets.ts';
import { OutboxWorker, deliveryFor } from './jobs/outbox-worker.ts';
import { Clock } from './jobs/clock.ts';

export type AppOptions = {
  config: Pick<Config, 'production' | 'sessionSecret' | 'trustProxy' | 'logLevel'> & Partial<Pick<Config, 'publicUrl' | 'smtpUrl' | 'mailFrom' | 'notesApi'>>;
  database: Database;
};

/** What routes and services need to know of the configuration. */
export type PortalConfig = {
  production: boolean;
  publicUrl: string;
  /** The host part of Message-IDs. */
  mailDomain: string;
  /** The Sent mail page exists only without an SMTP server and outside production: it shows working links. */
  showSentMail: boolean;
  /** Signs links that carry their own proof (a customer's relationship invitation). */
  linkSecret: string;
  notesApi: Config['notesApi'];
};

declare module 'fastify' {
  interface FastifyInstance {
    portalConfig: PortalConfig;
    database: Database;
    /** Expires and re-routes opportunities on a clock; started by server.ts, run by hand in tests. */
    clock: Clock;
    /** Delivers queued email; started by server.ts (or a separate worker process), driven by hand in tests. */
    outbox: OutboxWorker;
    /** Every route with its declared access, as registered: the access test walks this. */
    routeTable: RouteRecord[];
  }
}

/** Builds the portal: external plugins, then our own, then the routes. Listening is server.ts's job. */
export async function buildApp({ config, database }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
    },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const routes: RouteRecord[] = [];
  const publicUrl = config.publicUrl ?? 'http://localhost:3000';
  app.decorate('portalConfig', {
    production: config.production,
    publicUrl,
    mailDomain: new URL(publicUrl).hostname,
    showSentMail: !config.smtpUrl && !config.production,
    linkSecret: config.sessionSecret,
    notesApi: config.notesApi ?? null,
  } satisfies PortalConfig);
  app.decorate('database', database);
  const outbox = new OutboxWorker(database.knex, deliveryFor({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom ?? 'Partner Portal <portal@localhost>' }), app.log);
  app.decorate('outbox', outbox);
  app.addHook('onClose', async () => outbox.stop());
  const clock = new Clock(database.knex, app.log, { publicUrl, mailDomain: new URL(publicUrl).hostname, poke: () => outbox.poke() });
  app.decorate('clock', clock);
  app.addHook('onClose', async () => clock.stop());
  app.decorate('routeTable', routes);
  loadAssets();

  await app.register(security, { production: config.production });
  await app.register(session, { knex: database.knex, secret: config.sessionSecret, production: config.production });
  await app.register(view, { cache: config.production || process.env.NODE_ENV === 'test' });
  await app.register(input);
  await app.register(csrf);
  await app.register(errors);
  await app.register(requestScope, { knex: database.knex, routes });

  await app.register(systemRoutes);
  await app.register(authRoutes);
  await app.register(homeRoutes);
  await app.register(accountRoutes);
  await app.register(twoFactorRoutes);
  await app.register(settingsRoutes);
  await app.register(productRoutes);
  await app.register(applicationRoutes);
  await app.register(partnerAdminRoutes);
  await app.register(sentMailRoutes);
  await app.register(programRoutes);
  await app.register(applyRoutes);
  await app.register(peopleRoutes);
  await app.register(profileRoutes);
  await app.register(invitationRoutes);
  await app.register(passwordRoutes);
  await app.register(auditRoutes);
  await app.register(notificationRoutes);
  await app.register(directoryRoutes);
  await app.register(customerRoutes);
  await app.register(relationshipRoutes);
  await app.register(customerLinkRoutes);
  await app.register(twoTierRoutes);
  await app.register(staffOpportunityRoutes);
  await app.register(partnerOpportunityRoutes);
  await app.register(opportunitySettingsRoutes);
  await app.register(dealRoutes);
  await app.register(reviewRoutes);
  await app.register(knowledgeRoutes);
  await app.register(knowledgeAdminRoutes);
  await app.register(forumRoutes);
  await app.register(caseRoutes);
  await app.register(staffCaseRoutes);
  await app.register(caseTargetRoutes);
  return app;
}
