import { can } from '../policies/permissions.ts';
import type { CurrentUser } from '../repositories/viewer.ts';
import type { Access } from './access.ts';

export type NavItem = { href: string; labelKey: string; access: Access };

/** The main navigation; each item shows only to users its access allows. Later areas add themselves here. */
const ITEMS: NavItem[] = [
  { href: '/home', labelKey: 'nav.home', access: 'user' },
  { href: '/account', labelKey: 'nav.account', access: 'user' },
  { href: '/admin/settings', labelKey: 'nav.settings', access: 'settings.manage' },
];

export function navigationFor(user: CurrentUser | null): NavItem[] {
  if (!user) return [];
  return ITEMS.filter((item) => item.access === 'public' || item.access === 'user' || can(user, item.access));
}
