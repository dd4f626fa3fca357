import type { Knex } from 'knex';
import type { PartnerRole, StaffRole } from '../policies/permissions.ts';
import type { Locale } from '../i18n/index.ts';

export type Vendor = { name: string; baseCurrency: string; timeZone: string; requireTwoFactor: boolean };

export type CurrentUser = {
  id: number;
  email: string;
  name: string;
  locale: Locale | null;
  timeZone: string | null;
  /** Unread notifications, for the count in the header. */
  unread: number;
  twoFactor: boolean;
  /** The vendor requires two-factor sign-in of this user's role (staff and partner admins). */
  mustUseTwoFactor: boolean;
} & (
  | { kind: 'staff'; role: StaffRole; partnerId?: undefined; partnerName?: undefined; partnerStatus?: undefined }
  | {
      kind: 'partner';
      role: PartnerRole;
      partnerId: number;
      partnerName: string;
      partnerStatus: 'applicant' | 'active' | 'rejected' | 'suspended';
    }
);

type Row = {
  vendor_name: string;
  base_currency: string;
  vendor_time_zone: string;
  require_two_factor: boolean;
  two_factor: boolean;
  id: number | null;
  kind: 'staff' | 'partner';
  partner_id: number | null;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'removed';
  locale: Locale | null;
  time_zone: string | null;
  partner_name: string | null;
  partner_status: 'applicant' | 'active' | 'rejected' | 'suspended' | null;
  unread: number;
};

/**
 * One round trip at the start of every request: the vendor's settings and, when signed in, the user as the
 * database's policies let this context see them. A user who was removed, or whose company was suspended,
 * comes back as `user: null` and is signed out.
 */
export async function loadViewer(db: Knex.Transaction): Promise<{ vendor: Vendor; user: CurrentUser | null }> {
  const result = await db.raw<{ rows: Row[] }>(`
    SELECT v.name AS vendor_name, v.base_currency, v.time_zone AS vendor_time_zone, v.require_two_factor,
           u.totp_enabled_at IS NOT NULL AS two_factor, u.id, u.kind, u.partner_id, u.email, u.name, u.role, u.status, u.locale, u.time_zone,
           p.name AS partner_name, p.status AS partner_status,
           (SELECT count(*)::integer FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS unread
      FROM vendor_settings v
      LEFT JOIN users u ON u.id = app_user_id()
      LEFT JOIN partners p ON p.id = u.partner_id
     WHERE v.id = 1`);
  const row = result.rows[0];
  if (!row) throw new Error('vendor_settings has no row: run the migrations and the seed');
  const vendor = { name: row.vendor_name, baseCurrency: row.base_currency.trim(), timeZone: row.vendor_time_zone, requireTwoFactor: row.require_two_factor };
  if (row.id == null || row.status !== 'active') return { vendor, user: null };
  const mustUseTwoFactor = row.require_two_factor && (row.kind === 'staff' || row.role === 'partner_admin');
  const base = { id: row.id, email: row.email, name: row.name, locale: row.locale, timeZone: row.time_zone, unread: row.unread, twoFactor: row.two_factor, mustUseTwoFactor };
  if (row.kind === 'staff') return { vendor, user: { ...base, kind: 'staff', role: row.role as StaffRole } };
  if (row.partner_status == null || row.partner_status === 'suspended') return { vendor, user: null };
  return {
    vendor,
    user: {
      ...base,
      kind: 'partner',
      role: row.role as PartnerRole,
      partnerId: row.partner_id as number,
      partnerName: row.partner_name as string,
      partnerStatus: row.partner_status,
    },
  };
}
