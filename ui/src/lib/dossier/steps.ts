// Pure helpers of the dossier form: which steps it has, which fields show (same rules as the
// Rust `check`), where a problem is fixed, how the list shows dates and progress.
import type { PhotoKind } from '../photo/api';
import type { ComponentDef, Condition, Field, FormDef, Problem, Section, Value } from '../bindings';

/** A dossier's values, as stored or as the form edits them. */
type Values = { [key in string]: Value };

/** The id of the step holding the dossier's papers and photos (also `Problem.section`). */
export const COMPONENTS_STEP = 'components';
/** The common submission section (agency, delivery, declaration) comes last. */
export const SUBMISSION_SECTION = 'submission';

export type Step = { kind: 'section'; id: string; section: Section } | { kind: 'components'; id: string };

/** One step per section; the papers step comes before the submission section, which is last. */
export function stepsOf(form: FormDef): Step[] {
  const out: Step[] = form.sections
    .filter((s) => s.id !== SUBMISSION_SECTION)
    .map((s) => ({ kind: 'section', id: s.id, section: s }));
  if ((form.components ?? []).length > 0) out.push({ kind: 'components', id: COMPONENTS_STEP });
  const sub = form.sections.find((s) => s.id === SUBMISSION_SECTION);
  if (sub) out.push({ kind: 'section', id: sub.id, section: sub });
  return out;
}

/** A step number from the route (1-based) clamped to the form; bad input gives the first step. */
export function clampStep(raw: string | undefined, count: number): number {
  const n = Number.parseInt(raw ?? '', 10);
  if (!Number.isFinite(n) || n < 1) return 1;
  return Math.min(n, Math.max(count, 1));
}

/** Share of the steps reached, for the bar at the top (0–100). */
export function stepPercent(step: number, count: number): number {
  if (count <= 0) return 0;
  return Math.round((Math.min(Math.max(step, 1), count) / count) * 100);
}

/** The 1-based step where a problem is fixed (the first step when the section is unknown). */
export function stepOfProblem(steps: Step[], p: Problem): number {
  const i = steps.findIndex((s) => s.id === p.section);
  return i < 0 ? 1 : i + 1;
}

/** `fields.x` → `{kind:'field', id:'x'}`; `components.y` → `{kind:'component', id:'y'}`. */
export function targetOf(path: string): { kind: 'field' | 'component'; id: string } | null {
  const m = /^(fields|components)\.(.+)$/.exec(path);
  if (!m || !m[2]) return null;
  return { kind: m[1] === 'fields' ? 'field' : 'component', id: m[2] };
}

/** No value: null, blank text, empty list, unticked box (as `form::is_empty`). */
export function isEmpty(v: Value | undefined): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'boolean') return !v;
  return false;
}

function same(a: Value | undefined, b: Value | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function holds(c: Condition, values: Values): boolean {
  const v = values[c.field];
  if (isEmpty(v)) return false;
  if (c.equals !== undefined && c.equals !== null) return same(v, c.equals);
  if (c.not_equals !== undefined && c.not_equals !== null) return !same(v, c.not_equals);
  if (c.any_of && c.any_of.length > 0) return c.any_of.some((o) => same(v, o));
  return true;
}

function fieldById(form: FormDef, id: string): Field | undefined {
  for (const s of form.sections) {
    const f = s.fields.find((x) => x.id === id);
    if (f) return f;
  }
  return undefined;
}

/** Whether a condition holds and the field it looks at is itself shown (as `check.rs`). */
export function conditionVisible(
  form: FormDef,
  cond: Condition | null | undefined,
  values: Values,
  depth = 0,
): boolean {
  if (!cond) return true;
  if (depth > 16 || !holds(cond, values)) return false;
  const f = fieldById(form, cond.field);
  return f ? conditionVisible(form, f.visible_if, values, depth + 1) : true;
}

export const fieldVisible = (form: FormDef, f: Field, values: Values) =>
  conditionVisible(form, f.visible_if, values);

export const componentVisible = (form: FormDef, c: ComponentDef, values: Values) =>
  conditionVisible(form, c.visible_if, values);

/** The values a group row's conditions see: the top-level values with the row's own on top
 *  (as `check::row_values`). */
export function rowScope(group: Field, row: Values, values: Values): Values {
  const out: Values = { ...values };
  for (const f of group.fields ?? []) {
    if (f.id in row) out[f.id] = row[f.id] as Value;
    else delete out[f.id];
  }
  return out;
}

/** Whether a field of a group's row is shown (a condition names the same row's fields first). */
export function rowFieldVisible(form: FormDef, group: Field, f: Field, scope: Values, depth = 0): boolean {
  const cond = f.visible_if;
  if (!cond) return true;
  if (depth > 16 || !holds(cond, scope)) return false;
  const sibling = (group.fields ?? []).find((x) => x.id === cond.field);
  if (sibling) return rowFieldVisible(form, group, sibling, scope, depth + 1);
  const top = fieldById(form, cond.field);
  return top ? conditionVisible(form, top.visible_if, scope, depth + 1) : true;
}

/** The message of a problem on a field: the field's own pattern message for a pattern mismatch,
 *  else the dictionary's. */
export function problemText(f: Field, key: string, en: boolean, tKey: (k: string) => string): string {
  if (key === 'validation.pattern') {
    const own = en ? (f.pattern_message_en ?? f.pattern_message) : f.pattern_message;
    if (own) return own;
  }
  return tKey(key);
}

/** The capture kind for a component's photo profile. */
export function photoKindOf(profile: string | null | undefined): PhotoKind {
  switch (profile) {
    case 'portrait_4x6':
    case 'portrait':
      return 'portrait';
    case 'cccd_front':
    case 'cccd-front':
      return 'cccd-front';
    case 'cccd_back':
    case 'cccd-back':
      return 'cccd-back';
    default:
      return 'document';
  }
}

/** The native keyboard and input type of a field kind. */
export function inputOf(kind: Field['kind']): { type: string; inputmode?: string; autocomplete?: string } {
  switch (kind) {
    case 'date':
      return { type: 'date' };
    case 'phone':
      return { type: 'tel', inputmode: 'tel', autocomplete: 'tel' };
    case 'email':
      return { type: 'email', inputmode: 'email', autocomplete: 'email' };
    case 'number':
      return { type: 'text', inputmode: 'numeric' };
    case 'id_number':
    case 'bank_account':
      return { type: 'text', inputmode: 'numeric', autocomplete: 'off' };
    default:
      return { type: 'text' };
  }
}

/** `2026-11-23T10:00:00Z` → `23/11/2026` (the date part as written, no time-zone shift). */
export function ddmmyyyy(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** Where to go after a person was saved when the form was opened from the applicant picker
 *  (`?return=/dossiers/new/<procedure>`): back to the picker with that person chosen. Only the
 *  picker is accepted as a target; anything else gives null (the caller goes to the profile). */
export function returnWithPerson(path: string, personId: string): string | null {
  const ret = new URLSearchParams(path.split('?')[1] ?? '').get('return');
  if (!ret || !/^\/dossiers\/new\/[a-z0-9-]+$/.test(ret)) return null;
  return `${ret}?person=${encodeURIComponent(personId)}`;
}

/** The `?return=…` part to carry from one people screen to the next (empty when none). */
export function returnQuery(path: string): string {
  const ret = new URLSearchParams(path.split('?')[1] ?? '').get('return');
  return ret && /^\/dossiers\/new\/[a-z0-9-]+$/.test(ret) ? `?return=${encodeURIComponent(ret)}` : '';
}
