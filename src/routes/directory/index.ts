import type { FastifyInstance } from 'fastify';
import { page } from '../../web/results.ts';
import { countries, countryName, isCountry, isLanguage, languageName, languages } from '../../i18n/regions.ts';
import { listProducts } from '../../repositories/products.ts';

type Row = { id: number; name: string; website: string | null; country: string | null; countries_served: string[]; languages: string[]; level: string | null; specialties: number[]; fit: number; median_response_hours: string | null };

/**
 * "Find a partner": listed, active partners from the partner_directory view, which exposes only public columns.
 * Ranked by fit (how many of the searched country, specialty and language match), then level, then
 * responsiveness (median hours to answer an offered opportunity; unmeasured last), then name.
 */
export default async function directoryRoutes(app: FastifyInstance) {
  app.get('/partners/find', { config: { access: 'public' } }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const locale = req.viewer.locale;
    const products = await listProducts(req.db);
    const filters = {
      country: q.country && isCountry(q.country) ? q.country : '',
      specialty: q.specialty && products.some((p) => String(p.id) === q.specialty) ? q.specialty : '',
      language: q.language && isLanguage(q.language) ? q.language : '',
    };
    const searched = [filters.country, filters.specialty, filters.language].filter(Boolean).length;
    const { rows } = await req.db.raw<{ rows: Row[] }>(
      `SELECT * FROM (
         SELECT d.*,
                (CASE WHEN ?::text <> '' AND (d.country = ? OR ? = ANY (d.countries_served)) THEN 1 ELSE 0 END
               + CASE WHEN ?::text <> '' AND nullif(?, '')::integer = ANY (d.specialties) THEN 1 ELSE 0 END
               + CASE WHEN ?::text <> '' AND ? = ANY (d.languages) THEN 1 ELSE 0 END) AS fit
           FROM partner_directory d) ranked
        WHERE ? = 0 OR fit > 0
        ORDER BY fit DESC, CASE level WHEN 'gold' THEN 3 WHEN 'silver' THEN 2 WHEN 'registered' THEN 1 ELSE 0 END DESC, median_response_hours ASC NULLS LAST, lower(name), id
        LIMIT 100`,
      [filters.country, filters.country, filters.country, filters.specialty, filters.specialty, filters.language, filters.language, searched],
    );
    const productNames = new Map(products.map((p) => [p.id, p.name]));
    const results = rows.map((r) => ({
      ...r,
      countryName: countryName(r.country, locale),
      served: r.countries_served.map((c) => countryName(c, locale)),
      languageNames: r.languages.map((l) => languageName(l, locale)),
      specialtyNames: r.specialties.map((id) => productNames.get(id)).filter(Boolean),
    }));
    return page('pages/directory/index', {
      title: req.viewer.t('directory.title'),
      filters,
      searched,
      results,
      countries: countries(locale),
      languageOptions: languages(locale),
      products,
    }, { partial: 'partials/directory/results' });
  });
}
