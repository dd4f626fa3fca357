import { can } from '../policies/permissions.ts';
import type { CurrentUser } from '../repositories/viewer.ts';
import type { Access } from './access.ts';

export type NavItem = { href: string; labelKey: string; access: Access | 'anonymous'; staffOnly?: boolean; partnerOnly?: boolean; when?: 'sentMail' };

/** The main navigation; each item shows only to the users its access allows. */
const ITEMS: NavItem[] = [
  { href: '/program', labelKey: 'nav.program', access: 'anonymous' },
  { href: '/partners/find', labelKey: 'nav.directory', access: 'anonymous' },
  { href: '/knowledge', labelKey: 'nav.knowledge', access: 'public' },
  { href: '/apply', labelKey: 'nav.apply', access: 'anonymous' },
  { href: '/sign-in', labelKey: 'nav.sign_in', access: 'anonymous' },
  { href: '/home', labelKey: 'nav.home', access: 'user' },
  { href: '/admin/applications', labelKey: 'nav.applications', access: 'applications.review' },
  { href: '/admin/partners', labelKey: 'nav.partners', access: 'partners.manage' },
  { href: '/opportunities', labelKey: 'nav.opportunities', access: 'opportunities.work' },
  { href: '/admin/opportunities', labelKey: 'nav.pipeline', access: 'opportunities.distribute' },
  { href: '/admin/review', labelKey: 'nav.review', access: 'registrations.review' },
  { href: '/customers', labelKey: 'nav.customers', access: 'customers.work' },
  { href: '/forums', labelKey: 'nav.forums', access: 'forums.post' },
  { href: '/cases', labelKey: 'nav.cases', access: 'cases.open' },
  { href: '/admin/cases', labelKey: 'nav.case_queue', access: 'cases.answer' },
  { href: '/admin/knowledge', labelKey: 'nav.knowledge_edit', access: 'articles.write' },
  { href: '/admin/customers', labelKey: 'nav.customers', access: 'customers.oversee' },
  { href: '/admin/accounts', labelKey: 'nav.vendor_accounts', access: 'vendor_accounts.manage' },
  { href: '/company', labelKey: 'nav.company', access: 'company.profile.view' },
  { href: '/company/people', labelKey: 'nav.people', access: 'company.people.manage' },
  { href: '/company/solutions', labelKey: 'nav.solutions', access: 'solutions.manage' },
  { href: '/admin/staff', labelKey: 'nav.staff', access: 'staff.manage' },
  { href: '/admin/products', labelKey: 'nav.products', access: 'settings.manage' },
  { href: '/admin/program', labelKey: 'nav.program_edit', access: 'settings.manage' },
  { href: '/audit', labelKey: 'nav.audit', access: 'audit.view' },
  { href: '/admin/mail', labelKey: 'nav.mail', access: 'settings.manage', when: 'sentMail' },
  { href: '/admin/settings', labelKey: 'nav.settings', access: 'settings.manage' },
  { href: '/partners/find', labelKey: 'nav.directory', access: 'user', partnerOnly: true },
  { href: '/account', labelKey: 'nav.account', access: 'user' },
];

export function navigationFor(user: CurrentUser | null, options: { showSentMail: boolean }): NavItem[] {
  return ITEMS.filter((item) => {
    if (item.when === 'sentMail' && !options.showSentMail) return false;
    if (item.access === 'anonymous') return !user;
    if (item.access === 'public') return true;
    if (!user) return false;
    if (item.partnerOnly && user.kind !== 'partner') return false;
    if (user.kind === 'partner' && user.partnerStatus !== 'active' && item.href !== '/home' && item.href !== '/account') return false;
    return item.access === 'user' || can(user, item.access);
  });
}
