import type { Knex } from 'knex';

type DemoArticle = {
  key: string;
  category: string;
  audience: 'public' | 'partners' | 'staff';
  texts: Partial<Record<'en' | 'de' | 'cs' | 'et' | 'it', { title: string; body: string }>>;
  /** Languages saved as a draft only (not published). */
  drafts?: string[];
};

const ARTICLES: DemoArticle[] = [
  {
    key: 'levels',
    category: 'program',
    audience: 'public',
    texts: {
      en: {
        title: 'Partner levels: Registered, Silver and Gold',
        body: `Every partner starts at **Registered**. Levels are reviewed twice a year.

## Silver
- At least two certified people
- Won revenue of 100,000 USD in the last twelve months

## Gold
- At least five certified people
- Won revenue of 500,000 USD in the last twelve months
- Answers to new opportunities within the deadline at least nine times out of ten

Higher levels get more opportunities from routing, larger discounts and a named channel manager.`,
      },
      de: {
        title: 'Partnerstufen: Registered, Silver und Gold',
        body: `Jeder Partner beginnt als **Registered**. Die Stufen werden zweimal im Jahr überprüft.

## Silver
- Mindestens zwei zertifizierte Personen
- Gewonnener Umsatz von 100.000 USD in den letzten zwölf Monaten

## Gold
- Mindestens fünf zertifizierte Personen
- Gewonnener Umsatz von 500.000 USD in den letzten zwölf Monaten

Höhere Stufen erhalten mehr Verkaufschancen, höhere Rabatte und einen festen Ansprechpartner.`,
      },
      cs: {
        title: 'Partnerské úrovně: Registered, Silver a Gold',
        body: `Každý partner začíná na úrovni **Registered**. Úrovně se posuzují dvakrát ročně.

## Silver
- Alespoň dva certifikovaní pracovníci
- Vyhrané obchody za 100 000 USD za posledních dvanáct měsíců

## Gold
- Alespoň pět certifikovaných pracovníků
- Vyhrané obchody za 500 000 USD za posledních dvanáct měsíců`,
      },
    },
  },
  {
    key: 'registration',
    category: 'deal_registration',
    audience: 'partners',
    texts: {
      en: {
        title: 'How deal registration works',
        body: `Register a deal you found to get exclusive rights to it.

1. Create the deal on one of your customers, naming the product.
2. Choose **Register** on the deal's page. The portal tells you at once whether a conflicting registration or opportunity exists, without naming anyone.
3. The channel team approves, rejects or asks for more information, usually within two working days.

An approved registration is exclusive for 90 days. Deals on solutions eligible for incentives earn the registration incentive.`,
      },
      de: {
        title: 'So funktioniert die Deal-Registrierung',
        body: `Registrieren Sie ein gefundenes Geschäft, um exklusive Rechte daran zu erhalten.

1. Legen Sie den Deal bei einem Ihrer Kunden an und nennen Sie das Produkt.
2. Wählen Sie **Registrieren** auf der Seite des Deals. Das Portal zeigt sofort, ob es eine Überschneidung gibt.
3. Das Channel-Team genehmigt, lehnt ab oder bittet um weitere Angaben.

Eine genehmigte Registrierung gilt 90 Tage exklusiv.`,
      },
      it: {
        title: 'Come funziona la registrazione delle trattative',
        body: `Registra una trattativa che hai trovato per ottenerne i diritti esclusivi.

1. Crea la trattativa su uno dei tuoi clienti, indicando il prodotto.
2. Scegli **Registra** nella pagina della trattativa.
3. Il team di canale approva, rifiuta o chiede altre informazioni.

Una registrazione approvata è esclusiva per 90 giorni.`,
      },
    },
  },
  {
    key: 'rules',
    category: 'program',
    audience: 'partners',
    texts: {
      en: {
        title: 'Partner rules and customer data',
        body: `Partners keep their customers' data to themselves: the vendor sees a partner's customers only where a deal or a reseller relationship needs it.

- Answer distributed opportunities before their deadline, or decline them with a reason.
- Never register a deal for a customer you have not spoken to.
- Report a conflict with another partner to the channel team instead of contacting the partner.`,
      },
      et: {
        title: 'Partnerireeglid ja kliendiandmed',
        body: `Partnerid hoiavad oma klientide andmeid enda teada.

- Vasta jagatud müügivõimalustele enne tähtaega või keeldu põhjusega.
- Ära registreeri tehingut kliendile, kellega sa pole rääkinud.
- Teata konfliktist teise partneriga kanalimeeskonnale.`,
      },
    },
  },
  {
    key: 'analytics',
    category: 'products',
    audience: 'partners',
    texts: {
      en: {
        title: 'Lumen Analytics: what to show in a first demo',
        body: `Start with the customer's own question, not the product tour.

- Connect one of their data sources live (the CSV connector takes a minute).
- Build one dashboard together and share it with a colleague of theirs.
- Close with the licence options: per user, or per server for more than 50 users.`,
      },
      de: {
        title: 'Lumen Analytics: was eine erste Demo zeigen sollte',
        body: `Beginnen Sie mit der Frage des Kunden, nicht mit der Produkttour.

- Verbinden Sie live eine seiner Datenquellen.
- Bauen Sie gemeinsam ein Dashboard und teilen Sie es.
- Schließen Sie mit den Lizenzmodellen: pro Benutzer oder pro Server.`,
      },
    },
  },
  {
    key: 'backup-services',
    category: 'services',
    audience: 'partners',
    texts: {
      en: {
        title: 'Selling implementation services with Lumen Cloud Backup',
        body: `Most backup customers buy a fixed-price setup: an assessment, the first backup plan and a restore test.

Price the restore test separately: customers value seeing their data come back.`,
      },
      cs: {
        title: 'Prodej implementačních služeb k Lumen Cloud Backup',
        body: `Většina zákazníků zálohování kupuje nastavení za pevnou cenu: posouzení, první plán záloh a zkoušku obnovy.

Zkoušku obnovy nacenění zvlášť: zákazníci oceňují, když vidí, že se jejich data vrátí.`,
      },
    },
  },
  {
    key: 'objections',
    category: 'selling',
    audience: 'partners',
    texts: {
      en: {
        title: 'Answering the five most common objections',
        body: `**"We already have a tool."** Ask what it cannot answer today.

**"It is too expensive."** Compare with the hours spent on manual reports.

**"Our data is sensitive."** Lumen runs in the customer's own region; show the data processing terms.`,
      },
    },
    drafts: ['de'],
  },
  {
    key: 'escalation',
    category: 'program',
    audience: 'staff',
    texts: {
      en: {
        title: 'Internal: escalating partner conflicts',
        body: `When two partners claim the same customer, check the registration dates first, then the opportunity history. Escalate to the channel admin when both have approved registrations.`,
      },
    },
  },
];

const DRAFT_DE_OBJECTIONS = { title: 'Antworten auf die fünf häufigsten Einwände', body: '**„Wir haben schon ein Werkzeug.“** Fragen Sie, was es heute nicht beantworten kann.' };

/** Demo knowledge articles, added once (recognised by their English title). */
export async function seedKnowledge(trx: Knex.Transaction): Promise<boolean> {
  let added = false;
  const author = await trx('users').where('email', 'support@lumen.example').first('id');
  const reader = await trx('users').where('email', 'anna@alpha.example').first('id', 'partner_id');
  for (const [i, a] of ARTICLES.entries()) {
    const en = a.texts.en!;
    if (await trx('article_revisions').where({ language: 'en', title: en.title }).first('id')) continue;
    const at = new Date(Date.now() - (30 - i * 3) * 86_400_000);
    const [article] = await trx('articles').insert({ category: a.category, audience: a.audience, created_by: author?.id, created_at: at, updated_at: at }).returning('id');
    for (const [language, text] of Object.entries(a.texts)) {
      const [rev] = await trx('article_revisions').insert({ article_id: article.id, language, title: text.title, body: text.body, created_by: author?.id, created_at: at }).returning('id');
      await trx('article_translations').insert({ article_id: article.id, language, revision_id: rev.id, title: text.title, body: text.body, published_by: author?.id, published_at: at });
    }
    if (a.drafts?.includes('de')) {
      await trx('article_revisions').insert({ article_id: article.id, language: 'de', title: DRAFT_DE_OBJECTIONS.title, body: DRAFT_DE_OBJECTIONS.body, created_by: author?.id });
    }
    if (a.key === 'registration' && reader) {
      await trx('article_feedback').insert([
        { article_id: article.id, language: 'en', user_id: reader.id, partner_id: reader.partner_id, helpful: true, comment: 'Clear. An example of a conflict would help.' },
        { article_id: article.id, language: 'de', helpful: false, comment: null },
      ]);
    }
    added = true;
  }
  return added;
}
