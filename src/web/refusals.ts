import { HttpError } from './results.ts';

/** Turns an error it recognises (a state rule's, a trigger's) into the page for it; null for anything else. */
export type Refusal = (err: unknown) => HttpError | null;

/** The SQLSTATE an error carries: the portal's triggers raise their own PFxxx codes (see the migrations). */
export const sqlState = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

/** A refusal from trigger codes to the page each means, e.g. `{ PF409: [409, 'case.closed'] }`. */
export function byCode(pages: Record<string, readonly [status: number, messageKey: string]>): Refusal {
  return (err) => {
    const page = pages[sqlState(err) ?? ''];
    return page ? new HttpError(page[0], page[1]) : null;
  };
}

/** Runs a feature's database work, so a refusal the feature knows reaches the user as its page, not as a 500. */
export function guardWith(refusal: Refusal) {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw refusal(err) ?? err;
    }
  };
}
