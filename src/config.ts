import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Config = {
  production: boolean;
  port: number;
  host: string;
  /** Real PostgreSQL when set; otherwise the embedded database in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  sessionSecret: string;
  /** Pool size for real PostgreSQL (the embedded database always has one connection). */
  dbPoolMax: number;
  dbStatementTimeoutMs: number;
  trustProxy: boolean;
  logLevel: string;
  /** Where links in emails point; the address people use to reach the portal. */
  publicUrl: string;
  /** SMTP server for outgoing mail; without it, mail is kept in the outbox and shown on the Sent mail page. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** An OpenAI-compatible endpoint for "Suggest notes" on new deals; without it the built-in generator writes them. */
  notesApi: { url: string; key: string; model: string; timeoutMs: number } | null;
  /** Run the outbox worker inside the web process (default); a separate `npm run worker` process can take over. */
  runWorker: boolean;
};

export const ROOT = path.resolve(import.meta.dirname, '..');

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

/**
 * Outside production a missing SESSION_SECRET is generated once and kept in the data folder,
 * so restarting the portal does not sign everyone out.
 */
function sessionSecret(env: NodeJS.ProcessEnv, production: boolean, dataDir: string): string {
  const given = env.SESSION_SECRET;
  if (given) {
    if (given.length < 32) throw new Error('SESSION_SECRET must be at least 32 characters');
    return given;
  }
  if (production) throw new Error('SESSION_SECRET is required when NODE_ENV=production');
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = path.resolve(ROOT, env.DATA_DIR ?? 'data');
  return {
    production,
    port: int('PORT', env.PORT, 3000),
    host: env.HOST ?? 'localhost',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    sessionSecret: sessionSecret(env, production, dataDir),
    dbPoolMax: int('DB_POOL_MAX', env.DB_POOL_MAX, 10),
    dbStatementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, 15000),
    trustProxy: env.TRUST_PROXY === 'true',
    logLevel: env.LOG_LEVEL ?? 'info',
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${int('PORT', env.PORT, 3000)}`).replace(/\/+$/, ''),
    smtpUrl: env.SMTP_URL || undefined,
    notesApi: env.NOTES_API_URL ? { url: env.NOTES_API_URL, key: env.NOTES_API_KEY ?? '', model: env.NOTES_API_MODEL ?? 'gpt-4o-mini', timeoutMs: int('NOTES_API_TIMEOUT_MS', env.NOTES_API_TIMEOUT_MS, 4000) } : null,
    mailFrom: env.MAIL_FROM ?? 'Partner Portal <portal@localhost>',
    runWorker: env.RUN_WORKER !== 'false',
  };
}
