import path from 'node:path';
import { Eta } from 'eta';
import { ROOT } from '../config.ts';
import { localizedParams, translator, type Locale, type Vars } from '../i18n/index.ts';

// Plain-text emails: readable in every client and by every screen reader. No HTML, so no escaping needed.
const eta = new Eta({ views: path.join(ROOT, 'views/emails'), autoEscape: false, autoTrim: [false, 'nl'], cache: true });

export type EmailContent = { subject: string; text: string };

/** Renders one email in the recipient's language: subject from the catalog, body from views/emails/<template>.eta. */
export function renderEmail(template: string, locale: Locale, given: Vars & { vendorName: string }): EmailContent {
  const t = translator(locale);
  const params: Vars & { vendorName: string } = { ...localizedParams(t, given), vendorName: given.vendorName };
  // A notification's subject is its title in the notification centre.
  const subjectKey = template === 'notification' ? `notification.${String(params.event)}.title` : `email.${template}.subject`;
  const subject = t(subjectKey, params);
  const body = eta.render(`/${template}`, { t, params });
  const footer = t('email.footer', { vendor: params.vendorName });
  return { subject, text: `${body.trim()}\n\n-- \n${footer}\n` };
}
