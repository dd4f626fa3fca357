/**
 * The role every request's queries run as (SET LOCAL ROLE inside the request's transaction).
 * It is neither superuser, nor BYPASSRLS, nor the owner of any table, so row-level security applies to it.
 */
export const APP_ROLE = 'portal_app';

/** The named contexts a request can run in; the database policies read it through app_context(). */
export type ContextKind = 'anonymous' | 'signin' | 'link' | 'partner' | 'staff';
