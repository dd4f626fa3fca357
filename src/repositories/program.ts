import type { Knex } from 'knex';
import type { Locale } from '../i18n/index.ts';

export type ProgramText = Partial<Record<Locale, string>>;

export async function getProgramText(db: Knex.Transaction): Promise<{ text: ProgramText; version: number }> {
  const row = await db('vendor_settings').where('id', 1).first('program_text', 'version');
  return { text: row?.program_text ?? {}, version: row?.version ?? 1 };
}

export async function saveProgramText(db: Knex.Transaction, version: number, text: ProgramText): Promise<boolean> {
  const n = await db('vendor_settings').where({ id: 1, version }).update({ program_text: JSON.stringify(text), version: version + 1, updated_at: db.fn.now() });
  return n === 1;
}
