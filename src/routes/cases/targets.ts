import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDate, parseForm, type FieldError, type FieldSpec } from '../../web/forms.ts';
import { page, redirect } from '../../web/results.ts';
import { conflict, STALE_ERROR, type Conflict } from '../../web/stale.ts';
import { CASE_PRIORITIES, type CasePriority } from '../../policies/case-states.ts';
import { MAX_HOLIDAYS, type ResponseTargets } from '../../services/cases.ts';
import { audit } from '../../services/audit.ts';

const access = 'settings.manage' as const;

const TARGET_FORM: Record<string, FieldSpec> = {
  ...Object.fromEntries(
    CASE_PRIORITIES.flatMap((p) => [
      [`${p}_amount`, { label: `case.priority.${p}`, required: true, check: (v: string) => (/^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 720 ? null : 'case.targets.invalid') }],
      [`${p}_unit`, { label: `case.priority.${p}`, required: true, oneOf: ['hours', 'business_days'] }],
    ]),
  ),
  holidays: { label: 'case.targets.holidays', maxLength: 3000 },
  base: { label: 'form.version' },
};

/** What is stored, in one canonical form: the hidden `base` of the form, and what a later save is checked against. */
type Stored = { targets: ResponseTargets; holidays: string[] };

function storedOf(row: { case_response_targets: Partial<ResponseTargets>; case_holidays: unknown }): Stored {
  const targets = Object.fromEntries(
    CASE_PRIORITIES.map((p) => {
      const x = row.case_response_targets[p] ?? {};
      return [p, x.hours !== undefined ? { hours: Number(x.hours) } : { business_days: Number(x.business_days ?? 1) }];
    }),
  ) as ResponseTargets;
  const holidays = Array.isArray(row.case_holidays) ? row.case_holidays.map(String).sort() : [];
  return { targets, holidays };
}

function valuesOf(s: Stored): Record<string, string> {
  return {
    ...Object.fromEntries(
      CASE_PRIORITIES.flatMap((p) => {
        const x = s.targets[p];
        return x.hours !== undefined ? [[`${p}_amount`, String(x.hours)], [`${p}_unit`, 'hours']] : [[`${p}_amount`, String(x.business_days)], [`${p}_unit`, 'business_days']];
      }),
    ),
    holidays: s.holidays.join('\n'),
    base: JSON.stringify(s),
  };
}

/** The dates of the text area: one per line (commas and spaces also separate), sorted, each once. */
const datesIn = (text: string) => [...new Set(text.split(/[\s,;]+/).filter(Boolean))].sort();

async function loadStored(req: FastifyRequest, forUpdate = false): Promise<Stored> {
  const q = req.db('vendor_settings').where('id', 1).first('case_response_targets', 'case_holidays');
  return storedOf(await (forUpdate ? q.forUpdate() : q));
}

/**
 * First-response targets per priority and the team's non-working days (channel admin). A save checks that
 * nobody saved in between (409 with what they changed), as the other settings pages do.
 */
export default async function caseTargetRoutes(app: FastifyInstance) {
  async function targetsPage(req: FastifyRequest, values?: Record<string, string>, errors: FieldError[] = [], status = 200, stale?: Conflict) {
    const current = values ?? valuesOf(await loadStored(req));
    return page('pages/cases/targets', { title: req.viewer.t('case.targets.title'), values: current, errors, priorities: CASE_PRIORITIES, maxHolidays: MAX_HOLIDAYS, conflict: stale }, { status });
  }

  app.get('/admin/case-targets', { config: { access } }, async (req) => targetsPage(req));

  app.post('/admin/case-targets', { config: { access } }, async (req) => {
    const { values, errors } = parseForm(req.body, TARGET_FORM);
    for (const p of CASE_PRIORITIES) {
      if (values[`${p}_unit`] === 'business_days' && Number(values[`${p}_amount`]) > 30 && !errors.some((e) => e.field === `${p}_amount`)) {
        errors.push({ field: `${p}_amount`, key: 'case.targets.invalid', vars: { field: `case.priority.${p}` } });
      }
    }
    const holidays = datesIn(values.holidays ?? '');
    const notDate = holidays.find((d) => !isDate(d));
    if (notDate && !errors.some((e) => e.field === 'holidays')) errors.push({ field: 'holidays', key: 'case.targets.holidays.invalid', vars: { value: notDate.slice(0, 40) } });
    else if (holidays.length > MAX_HOLIDAYS) errors.push({ field: 'holidays', key: 'case.targets.holidays.too_many', vars: { max: MAX_HOLIDAYS } });
    if (errors.length) return targetsPage(req, values, errors, 422);

    const before = await loadStored(req, true);
    const next: Stored = {
      targets: Object.fromEntries(CASE_PRIORITIES.map((p) => [p, { [values[`${p}_unit`]!]: Number(values[`${p}_amount`]) }])) as ResponseTargets,
      holidays,
    };
    if (values.base !== JSON.stringify(before)) {
      // Someone saved since this form was shown: show what is stored now where it differs, keep this user's values.
      const now = valuesOf(before);
      const t = req.viewer.t;
      const shown = (s: Record<string, string>) => ({
        ...Object.fromEntries(CASE_PRIORITIES.map((p: CasePriority) => [p, t.plural(s[`${p}_unit`] === 'hours' ? 'case.target.hours' : 'case.target.business_days', Number(s[`${p}_amount`]))])),
        holidays: datesIn(s.holidays ?? '').join(', ') || t('case.targets.holidays.none'),
      });
      const labels = { ...Object.fromEntries(CASE_PRIORITIES.map((p) => [p, `case.priority.${p}`])), holidays: 'case.targets.holidays' };
      return targetsPage(req, { ...values, base: now.base! }, [STALE_ERROR(`${CASE_PRIORITIES[0]}_amount`)], 409, conflict(shown(now), shown(values), labels));
    }
    await req.db('vendor_settings').where('id', 1).update({ case_response_targets: JSON.stringify(next.targets), case_holidays: JSON.stringify(next.holidays) });
    await audit(req, { entityType: 'settings', entityId: 'case_response_targets', action: 'updated', before, after: next, visibility: 'staff' });
    req.session.set('flash', { key: 'case.targets.saved' });
    return redirect('/admin/cases');
  });
}
