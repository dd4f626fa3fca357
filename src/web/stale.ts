import type { FieldError } from './forms.ts';

/** A save that lost a race: the fields another person changed, with their new values, for the 409 page. */
export type Conflict = { changed: { field: string; labelKey: string; value: string }[] };

export function conflict<K extends string>(current: Record<K, string>, submitted: Record<K, string>, labels: Partial<Record<K, string>>): Conflict {
  const changed = (Object.keys(labels) as K[])
    .filter((k) => current[k] !== submitted[k])
    .map((k) => ({ field: k, labelKey: labels[k] as string, value: current[k] }));
  return { changed };
}

export const STALE_ERROR = (field: string): FieldError => ({ field, key: 'form.stale' });
