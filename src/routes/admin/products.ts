import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCALES, type Locale } from '../../i18n/index.ts';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { PRODUCT_CATEGORIES, findProduct, insertProduct, listProducts, updateProduct, type Product } from '../../repositories/products.ts';
import { audit, changedFields } from '../../services/audit.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { idParam } from '../../web/params.ts';

const FORM = {
  name: { label: 'products.name', required: true, maxLength: 200 },
  category: { label: 'products.category', required: true, oneOf: PRODUCT_CATEGORIES },
  status: { label: 'products.status', required: true, oneOf: ['active', 'retired'] },
  ...Object.fromEntries(LOCALES.map((l) => [`description_${l}`, { label: `products.description.${l}`, maxLength: 4000 }])),
  version: { label: 'form.version' },
} as Record<string, { label: string; required?: boolean; maxLength?: number; oneOf?: readonly string[] }>;

type Values = Record<string, string>;

function toValues(p: Product): Values {
  return {
    name: p.name,
    category: p.category,
    status: p.status,
    ...Object.fromEntries(LOCALES.map((l) => [`description_${l}`, p.description[l] ?? ''])),
    version: String(p.version),
  };
}

function fromValues(v: Values): Omit<Product, 'id' | 'version'> {
  const description: Partial<Record<Locale, string>> = {};
  for (const l of LOCALES) if (v[`description_${l}`]) description[l] = v[`description_${l}`]!;
  return { name: v.name!, category: v.category as Product['category'], status: v.status as Product['status'], description };
}

function formPage(req: FastifyRequest, values: Values, errors: FieldError[], options: { id?: number; status?: number; stale?: Conflict } = {}) {
  const t = req.viewer.t;
  return page(
    'pages/admin/product-form',
    { title: t(options.id ? 'products.edit' : 'products.new'), values, errors, id: options.id, conflict: options.stale, categories: PRODUCT_CATEGORIES, contentLocales: LOCALES },
    { status: options.status ?? 200 },
  );
}

const LABELS = { name: 'products.name', category: 'products.category', status: 'products.status' };

export default async function productRoutes(app: FastifyInstance) {
  app.get('/admin/products', { config: { access: 'settings.manage' } }, async (req) => {
    const products = await listProducts(req.db, { includeRetired: true });
    return page('pages/admin/products', { title: req.viewer.t('products.title'), products });
  });

  app.get('/admin/products/new', { config: { access: 'settings.manage' } }, async (req) =>
    formPage(req, { name: '', category: 'software', status: 'active', version: '' }, []),
  );

  app.post('/admin/products/new', { config: { access: 'settings.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, FORM);
    if (errors.length) return formPage(req, values, errors, { status: 422 });
    const product = fromValues(values);
    let id: number;
    try {
      id = await insertProduct(req.db, product);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return formPage(req, values, [{ field: 'name', key: 'products.name.taken' }], { status: 422 });
    }
    await audit(req, { entityType: 'product', entityId: id, action: 'created', after: { ...product } });
    req.session.set('flash', { key: 'products.saved', vars: { name: product.name } });
    return redirect('/admin/products');
  });

  app.get('/admin/products/:id', { config: { access: 'settings.manage' } }, async (req) => {
    const product = await findProduct(req.db, idParam(req));
    if (!product) throw notFound();
    return formPage(req, toValues(product), [], { id: product.id });
  });

  app.post('/admin/products/:id', { config: { access: 'settings.manage' } }, async (req) => {
    const product = await findProduct(req.db, idParam(req));
    if (!product) throw notFound();
    const { values, errors } = parseForm(req.body, FORM);
    if (errors.length) return formPage(req, values, errors, { id: product.id, status: 422 });
    const next = fromValues(values);
    let saved: boolean;
    try {
      saved = await updateProduct(req.db, product.id, Number(values.version), next);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return formPage(req, values, [{ field: 'name', key: 'products.name.taken' }], { id: product.id, status: 422 });
    }
    if (!saved) {
      const current = toValues(product);
      return formPage(req, { ...values, version: current.version! }, [STALE_ERROR('name')], { id: product.id, status: 409, stale: conflict(current, values, LABELS) });
    }
    const diff = changedFields({ ...fromValues(toValues(product)) }, { ...next });
    if (diff) await audit(req, { entityType: 'product', entityId: product.id, action: 'updated', ...diff });
    req.session.set('flash', { key: 'products.saved', vars: { name: next.name } });
    return redirect('/admin/products');
  });
}
