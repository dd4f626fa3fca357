import type { Knex } from 'knex';
import type { Locale } from '../i18n/index.ts';

export const PRODUCT_CATEGORIES = ['software', 'cloud', 'hardware', 'service', 'training', 'support'] as const;
export type ProductCategory = (typeof PRODUCT_CATEGORIES)[number];

export type Product = {
  id: number;
  name: string;
  category: ProductCategory;
  description: Partial<Record<Locale, string>>;
  status: 'active' | 'retired';
  version: number;
};

const COLUMNS = ['id', 'name', 'category', 'description', 'status', 'version'];

/** Active products for everyone; staff also see retired ones (the policy decides, this only sorts). */
export async function listProducts(db: Knex.Transaction, options: { includeRetired?: boolean } = {}): Promise<Product[]> {
  const q = db('products').select(COLUMNS).orderBy([{ column: 'category' }, { column: 'name' }]);
  if (!options.includeRetired) q.where('status', 'active');
  return q;
}

export async function findProduct(db: Knex.Transaction, id: number): Promise<Product | undefined> {
  return db('products').select(COLUMNS).where('id', id).first();
}

export async function insertProduct(db: Knex.Transaction, p: Omit<Product, 'id' | 'version'>): Promise<number> {
  const [row] = await db('products').insert({ ...p, description: JSON.stringify(p.description) }).returning('id');
  return row.id;
}

/** Saves if nobody saved since `version`; false when somebody did. */
export async function updateProduct(db: Knex.Transaction, id: number, version: number, p: Omit<Product, 'id' | 'version'>): Promise<boolean> {
  const n = await db('products')
    .where({ id, version })
    .update({ ...p, description: JSON.stringify(p.description), version: version + 1, updated_at: db.fn.now() });
  return n === 1;
}

/** The description in the reader's language, else English, else any. */
export function describe(product: Pick<Product, 'description'>, locale: Locale): string {
  return product.description[locale] || product.description.en || Object.values(product.description)[0] || '';
}
