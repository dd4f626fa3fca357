import type { Knex } from 'knex';

export type VendorSettings = { name: string; baseCurrency: string; timeZone: string; requireTwoFactor: boolean; version: number; updatedAt: Date };

export async function getVendorSettings(db: Knex.Transaction): Promise<VendorSettings> {
  const row = await db('vendor_settings').where('id', 1).first('name', 'base_currency', 'time_zone', 'require_two_factor', 'version', 'updated_at');
  return { name: row.name, baseCurrency: row.base_currency.trim(), timeZone: row.time_zone, requireTwoFactor: row.require_two_factor, version: row.version, updatedAt: row.updated_at };
}

/** Saves only if nobody else saved since `version` was read; returns false when someone did. */
export async function updateVendorSettings(db: Knex.Transaction, version: number, values: Pick<VendorSettings, 'name' | 'baseCurrency' | 'timeZone' | 'requireTwoFactor'>): Promise<boolean> {
  const changed = await db('vendor_settings')
    .where({ id: 1, version })
    .update({ name: values.name, base_currency: values.baseCurrency, time_zone: values.timeZone, require_two_factor: values.requireTwoFactor, version: version + 1, updated_at: db.fn.now() });
  return changed === 1;
}
