import type { FieldError } from './forms.ts';

/** A save that lost a race: the fields another person changed, with their new values, for the 409 page. */
export type Conflict = { changed: { field: string; labelKey: string; value: string }[] };

/** `display` turns a stored value into what people read (a level's name rather than its code). */
export function conflict<K extends string>(
  current: Record<K, string>,
  submitted: Record<K, string>,
  labels: Partial<Record<K, string>>,
  display: (field: K, value: string) => string = (_field, value) => value,
): Conflict {
  const changed = (Object.keys(labels) as K[])
    .filter((k) => current[k] !== submitted[k])
    .map((k) => ({ field: k, labelKey: labels[k] as string, value: display(k, current[k]) }));
  return { changed };
}

export const STALE_ERROR = (field: string): FieldError => ({ field, key: 'form.stale' });
