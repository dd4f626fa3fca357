import { describe, expect, it } from 'vitest';
import { PERMISSIONS, PARTNER_ROLES, STAFF_ROLES, can, scopeOf, type Permission } from '../../src/policies/permissions.ts';

describe('permission matrix', () => {
  it('gives channel admins every staff permission and no partner-only ones', () => {
    const admin = { kind: 'staff', role: 'channel_admin' } as const;
    expect(can(admin, 'settings.manage')).toBe(true);
    expect(can(admin, 'staff.manage')).toBe(true);
    expect(can(admin, 'company.people.manage')).toBe(false);
    expect(can(admin, 'opportunities.work')).toBe(false);
  });

  it('keeps managers out of settings and support agents out of partner management', () => {
    expect(can({ kind: 'staff', role: 'channel_manager' }, 'settings.manage')).toBe(false);
    expect(can({ kind: 'staff', role: 'channel_manager' }, 'applications.review')).toBe(true);
    expect(can({ kind: 'staff', role: 'support_agent' }, 'partners.manage')).toBe(false);
    expect(can({ kind: 'staff', role: 'support_agent' }, 'cases.answer')).toBe(true);
  });

  it('scopes a sales agent to their own cases and a partner admin to the company', () => {
    const active = { kind: 'partner', partnerStatus: 'active' } as const;
    expect(scopeOf({ ...active, role: 'sales_agent' }, 'cases.open')).toBe('own');
    expect(scopeOf({ ...active, role: 'partner_admin' }, 'cases.open')).toBe('company');
    expect(scopeOf({ ...active, role: 'sales_agent' }, 'company.people.manage')).toBeNull();
  });

  it('gives an applicant or a rejected company no permission at all', () => {
    for (const partnerStatus of ['applicant', 'rejected', 'suspended'] as const) {
      for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
        expect(can({ kind: 'partner', role: 'partner_admin', partnerStatus }, permission)).toBe(false);
      }
    }
  });

  it('never grants a partner role the "all" scope, nor a staff role a partner-company scope', () => {
    for (const grants of Object.values(PERMISSIONS) as Record<string, string>[]) {
      for (const role of PARTNER_ROLES) expect(grants[role]).not.toBe('all');
      for (const role of STAFF_ROLES) if (grants[role]) expect(grants[role]).toBe('all');
    }
  });
});
