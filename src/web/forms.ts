import type { Vars } from '../i18n/index.ts';

/** One problem with one field: shown in the error summary (linking to #field) and next to the field. */
export type FieldError = { field: string; key: string; vars?: Vars };

export type FieldSpec = {
  /** Catalog key of the field's label, used in generic messages. */
  label: string;
  required?: boolean;
  maxLength?: number;
  minLength?: number;
  /** Keeps surrounding spaces (passwords). */
  raw?: boolean;
  email?: boolean;
  oneOf?: readonly string[];
  /** A further check on a present value: returns the message key, or null when fine. */
  check?: (value: string) => string | null;
  /** Field-specific message keys, overriding the generic ones. */
  messages?: Partial<Record<'required' | 'maxLength' | 'minLength' | 'email' | 'oneOf', string>>;
};

export type FormSpec = Record<string, FieldSpec>;

export type ParsedForm<S extends FormSpec> = {
  values: { [K in keyof S]: string };
  errors: FieldError[];
};

// Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads only the declared fields (anything else in the body is ignored) and validates them.
 * A field sent twice or as anything but text is an error on that field, never a crash.
 */
export function parseForm<S extends FormSpec>(body: unknown, spec: S): ParsedForm<S> {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const values = {} as Record<string, string>;
  const errors: FieldError[] = [];
  for (const [field, rule] of Object.entries(spec)) {
    const sent = Object.hasOwn(source, field) ? source[field] : undefined;
    if (sent !== undefined && typeof sent !== 'string') {
      values[field] = '';
      errors.push({ field, key: 'form.invalid', vars: { field: rule.label } });
      continue;
    }
    const value = rule.raw ? (sent ?? '') : (sent ?? '').trim();
    values[field] = value;
    const message = (kind: keyof NonNullable<FieldSpec['messages']>, generic: string, vars: Vars = {}) =>
      errors.push({ field, key: rule.messages?.[kind] ?? generic, vars: { field: rule.label, ...vars } });
    if (value === '') {
      if (rule.required) message('required', 'form.required');
      continue;
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) message('maxLength', 'form.too_long', { max: rule.maxLength });
    else if (rule.minLength !== undefined && value.length < rule.minLength) message('minLength', 'form.too_short', { min: rule.minLength });
    else if (rule.email && !EMAIL.test(value)) message('email', 'form.email');
    else if (rule.oneOf && !rule.oneOf.includes(value)) message('oneOf', 'form.one_of');
    else if (rule.check) {
      const key = rule.check(value);
      if (key) errors.push({ field, key, vars: { field: rule.label } });
    }
  }
  return { values: values as ParsedForm<S>['values'], errors };
}

/** Error messages keyed by field, for the inline messages next to each input. */
export function errorsByField(errors: FieldError[]): Record<string, FieldError> {
  const out: Record<string, FieldError> = {};
  for (const error of errors) out[error.field] ??= error;
  return out;
}

/**
 * A field that may be sent several times (checkboxes, multiple selects): always a list of distinct strings.
 * Anything else than text is dropped; the caller checks each value against what it offered.
 */
export function parseList(body: unknown, field: string, max = 300): string[] {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  const items = Array.isArray(source) ? source : source === undefined ? [] : [source];
  return [...new Set(items.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter(Boolean))].slice(0, max);
}

/** The host of a website address, lower case and without "www.", for spotting the same company twice. */
export function websiteDomain(website: string): string | null {
  if (!website) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(website) ? website : `https://${website}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    return host.includes('.') ? host : null;
  } catch {
    return null;
  }
}

/** A calendar date as YYYY-MM-DD that exists (no 30 February, no year 0), so the database never refuses it. */
export function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value.startsWith('0000')) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}
