import type { Permission } from '../policies/permissions.ts';
import { isPermission } from '../policies/permissions.ts';

/**
 * Who may use a route. Every route declares one; the app refuses to start with a route that does not.
 * - public: anyone, signed in or not
 * - user: any signed-in user (applicants included: their pages decide what they show)
 * - a permission from the matrix: signed-in users whose role grants it
 */
export type Access = 'public' | 'user' | Permission;

export function isAccess(value: unknown): value is Access {
  return value === 'public' || value === 'user' || (typeof value === 'string' && isPermission(value));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Runs the route in a context other than the one the session implies (sign-in, link tokens). */
    context?: 'signin' | 'link';
    /** Routes that never touch the database (health, static files) skip the scoped transaction. */
    db?: false;
  }
}
