import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm, parseList, type FieldError } from '../../web/forms.ts';
import { HttpError, notFound, page, redirect } from '../../web/results.ts';
import { findAccount, accountContacts, type Account } from '../../repositories/customers.ts';
import {
  GDAP_DURATIONS, GDAP_ROLES, createInvitation, findRelationship, gdapInForce, invitationUsable, openRelationship, removeRelationship, revokeGdap,
  saveMessage, twoTierLinks, type Relationship,
} from '../../repositories/relationships.ts';
import { audit } from '../../services/audit.ts';
import { queueEmail } from '../../services/mail.ts';
import { signedToken } from '../../services/tokens.ts';
import type { Translate } from '../../i18n/index.ts';
import { idParam } from '../../web/params.ts';

export const RELATIONSHIP_LINK = 'customer-relationship';

const MESSAGE_FORM = {
  message: { label: 'relationship.message', required: true, maxLength: 9000, messages: { required: 'relationship.message.required' } },
  contact_id: { label: 'relationship.send_to' },
  action: { label: 'relationship.message', oneOf: ['save', 'send'] },
} as const;

const REMOVE_FORM = {
  confirm: { label: 'relationship.remove.confirm', required: true, oneOf: ['yes'], messages: { required: 'relationship.remove.confirm.required' } },
} as const;

export function relationshipLink(req: FastifyRequest, r: Pick<Relationship, 'id' | 'expires_at'>): string {
  return `${req.server.portalConfig.publicUrl}/relationships/${signedToken(req.server.portalConfig.linkSecret, RELATIONSHIP_LINK, r.id, new Date(r.expires_at))}`;
}

/** The rights asked for, one line each, in the reader's language. */
export function rightsLines(t: Translate, r: { dap: boolean; gdap_roles: string[]; gdap_days: number | null }): string[] {
  const lines: string[] = [];
  if (r.dap) lines.push(t('relationship.dap.line'));
  if (r.gdap_roles.length) lines.push(t('relationship.gdap.line', { roles: r.gdap_roles.map((role) => t(`relationship.role.${role}`)).join(', '), days: r.gdap_days ?? 0 }));
  return lines;
}

function draftMessage(req: FastifyRequest, account: Account, r: Relationship, contactName: string | null, providerName: string | null): string {
  const t = req.viewer.t;
  const viewer = req.viewer;
  return t('relationship.draft', {
    greeting: contactName ? t('relationship.draft.greeting_named', { name: contactName }) : t('relationship.draft.greeting'),
    partner: viewer.user?.partnerName ?? '',
    customer: account.name,
    provider: providerName ? t('relationship.draft.with_provider', { provider: providerName }) : '',
    rights: rightsLines(t, r).map((l) => `- ${l}`).join('\n'),
    link: relationshipLink(req, r),
    expires: viewer.fmt.date(r.expires_at),
    sender: viewer.user?.name ?? '',
  });
}

function withLink(message: string, link: string): { text: string; added: boolean } {
  return message.includes(link) ? { text: message, added: false } : { text: `${message.trimEnd()}\n\n${link}`, added: true };
}

/**
 * Reseller relationships, from the partner's side. Only the owning partner's users reach these pages (the
 * account is looked up in the session's book); a provider sees the outcome on its own read-only account page.
 */
export default async function relationshipRoutes(app: FastifyInstance) {
  const base = '/customers';
  const access = 'customers.work' as const;

  async function ownAccount(req: FastifyRequest): Promise<Account> {
    const account = await findAccount(req.db, { partnerId: partnerOf(req) }, idParam(req));
    if (!account) throw notFound();
    return account;
  }

  async function ownRelationship(req: FastifyRequest, account: Account): Promise<Relationship> {
    const r = await findRelationship(req.db, partnerOf(req), account.id, idParam(req, 'rid'));
    if (!r) throw notFound();
    return r;
  }

  async function providers(req: FastifyRequest) {
    return (await twoTierLinks(req.db)).filter((l) => l.reseller_partner_id === partnerOf(req));
  }

  async function newPage(req: FastifyRequest, account: Account, values: { dap?: string; gdap_roles?: string[]; gdap_days?: string; provider?: string }, errors: FieldError[], status = 200) {
    return page(
      'pages/customers/relationship-new',
      {
        title: req.viewer.t('relationship.new.title', { name: account.name }),
        base,
        account,
        values,
        errors,
        roles: GDAP_ROLES,
        durations: GDAP_DURATIONS,
        providers: await providers(req),
        open: await openRelationship(req.db, partnerOf(req), account.id),
      },
      { status },
    );
  }

  app.get(`${base}/:id/relationship/new`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    return newPage(req, account, { dap: 'yes', gdap_roles: [], gdap_days: '365' }, []);
  });

  app.post(`${base}/:id/relationship/new`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { values, errors } = parseForm(body, {
      dap: { label: 'relationship.dap', oneOf: ['yes'] },
      gdap_days: { label: 'relationship.gdap.days', oneOf: GDAP_DURATIONS },
      provider: { label: 'relationship.provider' },
    });
    const roles = parseList(body, 'gdap_roles', 20);
    const shown = { ...values, gdap_roles: roles };
    if (roles.some((r) => !(GDAP_ROLES as readonly string[]).includes(r))) errors.push({ field: 'gdap_roles', key: 'form.one_of', vars: { field: 'relationship.gdap' } });
    if (!values.dap && roles.length === 0) errors.push({ field: 'dap', key: 'relationship.rights.required' });
    if (roles.length && !values.gdap_days) errors.push({ field: 'gdap_days', key: 'relationship.gdap.days.required' });
    let providerId: number | null = null;
    if (values.provider) {
      const link = (await providers(req)).find((l) => String(l.provider_partner_id) === values.provider);
      if (!link) errors.push({ field: 'provider', key: 'relationship.provider.invalid' });
      else providerId = link.provider_partner_id;
    }
    if (errors.length) return newPage(req, account, shown, errors, 422);
    const open = await openRelationship(req.db, partnerOf(req), account.id);
    // An active relationship has to be removed before a new one can be asked for.
    if (open?.status === 'active') throw new HttpError(409, 'relationship.already_active');
    const r = await createInvitation(req.db, {
      accountId: account.id, partnerId: partnerOf(req), userId: req.viewer.user!.id, dap: values.dap === 'yes', gdapRoles: roles, gdapDays: roles.length ? Number(values.gdap_days) : null, providerId,
    });
    await audit(req, { entityType: 'customer_relationship', entityId: r.id, partnerId: partnerOf(req), action: 'invited', after: { account: account.id, dap: r.dap, gdap_roles: r.gdap_roles, gdap_days: r.gdap_days, provider: providerId } });
    return redirect(`${base}/${account.id}/relationship/${r.id}`);
  });

  async function invitationPage(req: FastifyRequest, account: Account, r: Relationship, form: { values?: Record<string, string>; errors?: FieldError[]; status?: number } = {}) {
    const contacts = (await accountContacts(req.db, account.id)).filter((c) => c.email);
    const provider = r.provider_partner_id ? (await providers(req)).find((l) => l.provider_partner_id === r.provider_partner_id)?.provider_name ?? null : null;
    const link = relationshipLink(req, r);
    const message = form.values?.message ?? r.message ?? draftMessage(req, account, r, contacts.length === 1 ? contacts[0]!.name : null, provider);
    return page(
      'pages/customers/relationship-invitation',
      {
        title: req.viewer.t('relationship.invitation.title', { name: account.name }),
        base,
        account,
        relationship: r,
        usable: invitationUsable(r),
        rights: rightsLines(req.viewer.t, r),
        provider,
        link,
        contacts,
        values: { message, contact_id: form.values?.contact_id ?? (contacts.length === 1 ? String(contacts[0]!.id) : '') },
        errors: form.errors ?? [],
      },
      { status: form.status ?? 200 },
    );
  }

  app.get(`${base}/:id/relationship/:rid`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    return invitationPage(req, account, await ownRelationship(req, account));
  });

  app.post(`${base}/:id/relationship/:rid`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    const r = await ownRelationship(req, account);
    if (!invitationUsable(r)) throw new HttpError(409, 'relationship.invitation.closed');
    const { values, errors } = parseForm(req.body, MESSAGE_FORM);
    const sending = values.action === 'send';
    const contacts = await accountContacts(req.db, account.id);
    const contact = contacts.find((c) => String(c.id) === values.contact_id && c.email);
    if (sending && !contact) errors.push({ field: 'contact_id', key: 'relationship.send_to.required' });
    if (errors.length) return invitationPage(req, account, r, { values, errors, status: 422 });
    // The draft always keeps the link: if it was edited out, it goes back at the end.
    const { text, added } = withLink(values.message, relationshipLink(req, r));
    await saveMessage(req.db, r, text, sending ? contact!.email : null);
    if (sending) {
      await queueEmail(req, {
        eventKey: `relationship:${r.id}:${contact!.id}:${Date.now()}`,
        to: contact!.email!,
        toName: contact!.name,
        locale: req.viewer.locale,
        template: 'relationship_invitation',
        params: { partner: req.viewer.user?.partnerName ?? '', message: text },
      });
      await audit(req, { entityType: 'customer_relationship', entityId: r.id, partnerId: partnerOf(req), action: 'invitation_sent', after: { to: contact!.email } });
    }
    req.session.set('flash', { key: sending ? 'relationship.sent' : added ? 'relationship.link_restored' : 'relationship.saved', vars: { email: contact?.email ?? '' } });
    return redirect(`${base}/${account.id}/relationship/${r.id}`);
  });

  async function removePage(req: FastifyRequest, account: Account, r: Relationship, errors: FieldError[] = [], status = 200) {
    return page(
      'pages/customers/relationship-remove',
      { title: req.viewer.t('relationship.remove.title', { name: account.name }), base, account, relationship: r, gdap: gdapInForce(r), rights: rightsLines(req.viewer.t, r), errors },
      { status },
    );
  }

  async function activeRelationship(req: FastifyRequest, account: Account): Promise<Relationship> {
    const r = await openRelationship(req.db, partnerOf(req), account.id);
    if (!r || r.status !== 'active') throw notFound();
    return r;
  }

  app.get(`${base}/:id/relationship/remove`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    return removePage(req, account, await activeRelationship(req, account));
  });

  app.post(`${base}/:id/relationship/remove`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    const r = await activeRelationship(req, account);
    const { errors } = parseForm(req.body, REMOVE_FORM);
    if (errors.length) return removePage(req, account, r, errors, 422);
    await removeRelationship(req.db, r, req.viewer.user!.id);
    await audit(req, {
      entityType: 'customer_relationship', entityId: r.id, partnerId: partnerOf(req), action: 'removed',
      before: { status: 'active' }, after: { status: 'removed', account: account.id, dap_ended: r.dap, gdap_until: r.gdap_expires_at, legal_notice_confirmed: true },
    });
    req.session.set('flash', { key: 'relationship.removed', vars: { name: account.name } });
    return redirect(`${base}/${account.id}`);
  });

  app.post(`${base}/:id/relationship/:rid/revoke-roles`, { config: { access } }, async (req) => {
    const account = await ownAccount(req);
    const r = await ownRelationship(req, account);
    if (!gdapInForce(r)) throw new HttpError(409, 'relationship.gdap.not_in_force');
    await revokeGdap(req.db, r);
    await audit(req, { entityType: 'customer_relationship', entityId: r.id, partnerId: partnerOf(req), action: 'roles_revoked', before: { gdap_roles: r.gdap_roles, gdap_until: r.gdap_expires_at } });
    req.session.set('flash', { key: 'relationship.gdap.revoked' });
    return redirect(`${base}/${account.id}`);
  });
}

function partnerOf(req: FastifyRequest): number {
  return req.viewer.user!.partnerId!;
}
