/**
 * The permission matrix: every action a role may take, and over which records.
 * Routes name a permission; services and policies ask `scopeOf` before touching a record.
 */
export const STAFF_ROLES = ['channel_admin', 'channel_manager', 'support_agent'] as const;
export const PARTNER_ROLES = ['partner_admin', 'sales_agent'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export type PartnerRole = (typeof PARTNER_ROLES)[number];
export type Role = StaffRole | PartnerRole;

/**
 * own: records the user created or owns; company: everything of the user's partner company; all: every partner's.
 * Scopes are ordered: all ⊃ company ⊃ own.
 */
export type Scope = 'own' | 'company' | 'all';

type Grants = Partial<Record<Role, Scope>>;

export const PERMISSIONS = {
  'settings.manage': { channel_admin: 'all' },
  'staff.manage': { channel_admin: 'all' },
  'partners.manage': { channel_admin: 'all', channel_manager: 'all' },
  'applications.review': { channel_admin: 'all', channel_manager: 'all' },
  'opportunities.distribute': { channel_admin: 'all', channel_manager: 'all' },
  'registrations.review': { channel_admin: 'all', channel_manager: 'all' },
  'cases.answer': { channel_admin: 'all', support_agent: 'all' },
  'forums.moderate': { channel_admin: 'all', support_agent: 'all' },
  'articles.write': { channel_admin: 'all', support_agent: 'all' },
  'audit.view': { channel_admin: 'all', channel_manager: 'all', partner_admin: 'company' },
  'company.profile.view': { partner_admin: 'company', sales_agent: 'company' },
  'company.profile.manage': { partner_admin: 'company' },
  'company.people.manage': { partner_admin: 'company' },
  'customers.work': { partner_admin: 'company', sales_agent: 'company' },
  'customers.oversee': { channel_admin: 'all', channel_manager: 'all', support_agent: 'all' },
  'customers.manage_any': { channel_admin: 'all' },
  'vendor_accounts.manage': { channel_admin: 'all', channel_manager: 'all' },
  'opportunities.work': { partner_admin: 'company', sales_agent: 'company' },
  'opportunities.assign': { partner_admin: 'company' },
  'deals.create': { partner_admin: 'company', sales_agent: 'company' },
  'solutions.manage': { partner_admin: 'company' },
  'cases.open': { partner_admin: 'company', sales_agent: 'own' },
  'forums.post': {
    channel_admin: 'all', channel_manager: 'all', support_agent: 'all', partner_admin: 'company', sales_agent: 'company',
  },
  'articles.read': {
    channel_admin: 'all', channel_manager: 'all', support_agent: 'all', partner_admin: 'company', sales_agent: 'company',
  },
} as const satisfies Record<string, Grants>;

export type Permission = keyof typeof PERMISSIONS;

/** What the permission checks need to know of a signed-in user. */
export type Actor = {
  kind: 'staff' | 'partner';
  role: Role;
  /** For partner users: their company's status. Only an active company's users get their role's permissions. */
  partnerStatus?: 'applicant' | 'active' | 'rejected' | 'suspended' | undefined;
};

export function isPermission(name: string): name is Permission {
  return Object.hasOwn(PERMISSIONS, name);
}

/** The scope a user holds for a permission, or null when they may not use it at all. */
export function scopeOf(actor: Actor, permission: Permission): Scope | null {
  // A company that is still applying (or was turned down) sees only its application.
  if (actor.kind === 'partner' && actor.partnerStatus !== 'active') return null;
  const grants: Grants = PERMISSIONS[permission];
  return grants[actor.role] ?? null;
}

export function can(actor: Actor, permission: Permission): boolean {
  return scopeOf(actor, permission) !== null;
}

export function isStaffRole(role: string): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

export function isPartnerRole(role: string): role is PartnerRole {
  return (PARTNER_ROLES as readonly string[]).includes(role);
}
