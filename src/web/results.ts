/**
 * What a route handler returns. Handlers never write the response themselves while their transaction is
 * open: the scope commits first, then the result is rendered and sent.
 */
export type PageOptions = {
  status?: number;
  /** The fragment htmx swaps in; the full page template includes the same partial. */
  partial?: string;
};

export class Page {
  readonly template: string;
  readonly data: Record<string, unknown>;
  readonly options: PageOptions;
  constructor(template: string, data: Record<string, unknown>, options: PageOptions = {}) {
    this.template = template;
    this.data = data;
    this.options = options;
  }
}

export class Redirect {
  readonly location: string;
  constructor(location: string) {
    this.location = location;
  }
}

/** A response that is not a page (plain text, a CSV download), sent once the transaction has committed. */
export class Raw {
  readonly body: string;
  readonly type: string;
  readonly headers: Record<string, string>;
  constructor(body: string, type: string, headers: Record<string, string> = {}) {
    this.body = body;
    this.type = type;
    this.headers = headers;
  }
}

export function download(body: string, type: string, filename: string): Raw {
  return new Raw(body, type, { 'Content-Disposition': `attachment; filename="${filename}"`, 'Cache-Control': 'no-store' });
}

export function page(template: string, data: Record<string, unknown> = {}, options: PageOptions = {}): Page {
  return new Page(template, data, options);
}

/** After a successful POST: 303 See Other, so a reload never re-submits. */
export function redirect(location: string): Redirect {
  return new Redirect(location);
}

/** An error the user can understand; rendered as a page with the given status. */
export class HttpError extends Error {
  readonly status: number;
  readonly messageKey: string;
  readonly headers: Record<string, string>;
  constructor(status: number, messageKey: string, headers: Record<string, string> = {}) {
    super(messageKey);
    this.status = status;
    this.messageKey = messageKey;
    this.headers = headers;
  }
}

export const notFound = () => new HttpError(404, 'error.not_found');
export const forbidden = () => new HttpError(403, 'error.forbidden');

/** A safe place to return to after sign-in or a language switch: same-site paths only. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  if (value.length > 2000 || /[\u0000-\u001f]/.test(value)) return fallback;
  return value;
}
