import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/seed/demo.ts';

export type Response = LightMyRequestResponse;

/**
 * A browser stand-in over app.inject: keeps cookies, picks up the CSRF token from the last page,
 * and sends forms the way a browser without JavaScript would (or, with `htmx`, the way htmx does).
 */
export class Client {
  readonly app: FastifyInstance;
  cookies = new Map<string, string>();
  csrf: string | undefined;
  acceptLanguage: string | undefined;
  /** Each client comes from its own address, so per-address sign-in limits never leak between tests. */
  readonly remoteAddress = `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #remember(res: Response) {
    const raw = res.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0\b/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token) this.csrf = token[1];
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.cookies.size ? { cookie: this.cookieHeader } : {}),
      ...(this.acceptLanguage ? { 'accept-language': this.acceptLanguage } : {}),
      ...extra,
    };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.app.inject({ method: 'GET', url, headers: this.#headers(headers), remoteAddress: this.remoteAddress });
    this.#remember(res);
    return res;
  }

  /** Posts a form; the page's CSRF token is added unless the test passes its own `_csrf` (or null for none). */
  async post(url: string, form: Record<string, string | string[]> = {}, options: { htmx?: boolean; csrf?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
    if (options.htmx) {
      headers['hx-request'] = 'true';
      headers['hx-request-type'] = 'partial';
      if (token) headers['x-csrf-token'] = token;
    } else if (token && !('_csrf' in form)) {
      body.append('_csrf', token);
    }
    const res = await this.app.inject({ method: 'POST', url, headers: this.#headers(headers), payload: body.toString(), remoteAddress: this.remoteAddress });
    this.#remember(res);
    return res;
  }

  /** Posts a multipart form with one file, as a browser does for <input type="file">; the CSRF token goes in as a field. */
  async postFile(url: string, fields: Record<string, string>, file: { field: string; filename: string; content: Buffer | string; type?: string }): Promise<Response> {
    const boundary = `----portal-test-${Math.random().toString(16).slice(2)}`;
    const parts: Buffer[] = [];
    const all = this.csrf && !('_csrf' in fields) ? { _csrf: this.csrf, ...fields } : fields;
    for (const [k, v] of Object.entries(all)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
    const res = await this.app.inject({
      method: 'POST', url, headers: this.#headers({ 'content-type': `multipart/form-data; boundary=${boundary}` }), payload: Buffer.concat(parts), remoteAddress: this.remoteAddress,
    });
    this.#remember(res);
    return res;
  }

  /** Signs in through the real form. */
  async signIn(email: string, password = DEMO_PASSWORD): Promise<Response> {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}

export async function signedIn(app: FastifyInstance, email: string, password?: string): Promise<Client> {
  const client = new Client(app);
  const res = await client.signIn(email, password);
  if (res.statusCode !== 303) throw new Error(`sign-in as ${email} failed with ${res.statusCode}`);
  // Like a browser, follow the redirect: the landing page carries the new session's CSRF token.
  await client.get(String(res.headers.location));
  return client;
}

/** The visible text of an HTML fragment, whitespace folded: for asserting what a person would read. */
export function text(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value of a form field (hidden version fields and the like) in a page. */
export function hidden(body: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  if (!match) throw new Error(`no ${name} field`);
  return match[1]!;
}

/** The heading of an error page (404, 409, 410 …). */
export function errorTitle(res: Response): string {
  return /<div class="error-page" role="alert">\s*<h1>([^<]*)<\/h1>/.exec(res.body)?.[1] ?? '';
}
