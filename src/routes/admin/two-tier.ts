import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, type FieldError } from '../../web/forms.ts';
import { notFound, page, redirect } from '../../web/results.ts';
import { twoTierLinks } from '../../repositories/relationships.ts';
import { audit } from '../../services/audit.ts';
import { affected } from '../../db/connect.ts';
import { asId, idParam } from '../../web/params.ts';

const FORM = {
  reseller: { label: 'two_tier.reseller', required: true },
  provider: { label: 'two_tier.provider', required: true },
} as const;

/**
 * Two-tier distribution: staff link an indirect reseller to an indirect provider (both partner companies).
 * A reseller can then invite its customers into a relationship with itself and that provider at once.
 */
export default async function twoTierRoutes(app: FastifyInstance) {
  async function listPage(req: FastifyRequest, values: Record<string, string>, errors: FieldError[], status = 200) {
    const partners: { id: number; name: string }[] = await req.db('partners').where('status', 'active').select('id', 'name').orderByRaw('lower(name)');
    return page('pages/admin/two-tier', { title: req.viewer.t('two_tier.title'), links: await twoTierLinks(req.db), partners, values, errors }, { status });
  }

  app.get('/admin/two-tier', { config: { access: 'partners.manage' } }, async (req) => listPage(req, {}, []));

  app.post('/admin/two-tier', { config: { access: 'partners.manage' } }, async (req) => {
    const { values, errors } = parseForm(req.body, FORM);
    const active = async (id: string) => (await req.db('partners').where({ id: asId(id), status: 'active' }).first('id')) !== undefined;
    if (values.reseller && !(await active(values.reseller))) errors.push({ field: 'reseller', key: 'two_tier.partner.invalid' });
    if (values.provider && !(await active(values.provider))) errors.push({ field: 'provider', key: 'two_tier.partner.invalid' });
    if (!errors.length && values.reseller === values.provider) errors.push({ field: 'provider', key: 'two_tier.same' });
    if (!errors.length && (await req.db('provider_links').where({ reseller_partner_id: asId(values.reseller), provider_partner_id: asId(values.provider) }).first('id'))) {
      errors.push({ field: 'provider', key: 'two_tier.exists' });
    }
    if (errors.length) return listPage(req, values, errors, 422);
    const [row] = await req.db('provider_links').insert({ reseller_partner_id: asId(values.reseller), provider_partner_id: asId(values.provider), created_by: req.viewer.user!.id }).returning('id');
    await audit(req, { entityType: 'provider_link', entityId: row.id, partnerId: asId(values.reseller), action: 'created', after: { reseller: asId(values.reseller), provider: asId(values.provider) } });
    req.session.set('flash', { key: 'two_tier.added' });
    return redirect('/admin/two-tier');
  });

  // Ending a link stops new two-tier invitations; relationships customers already accepted stay as they are.
  app.post('/admin/two-tier/:id/delete', { config: { access: 'partners.manage' } }, async (req) => {
    const id = idParam(req);
    const link = (await twoTierLinks(req.db)).find((l) => l.id === id);
    if (!link) throw notFound();
    if (affected(await req.db('provider_links').where({ id }).delete()) !== 1) throw notFound();
    await audit(req, { entityType: 'provider_link', entityId: id, partnerId: link.reseller_partner_id, action: 'deleted', before: { reseller: link.reseller_partner_id, provider: link.provider_partner_id } });
    req.session.set('flash', { key: 'two_tier.removed' });
    return redirect('/admin/two-tier');
  });
}
