import { describe, expect, it } from 'vitest';
import { Autosaver, type Timers } from '../src/lib/dossier/autosave';
import {
  clampStep,
  ddmmyyyy,
  fieldVisible,
  photoKindOf,
  problemText,
  rowFieldVisible,
  rowScope,
  stepOfProblem,
  stepPercent,
  stepsOf,
  targetOf,
} from '../src/lib/dossier/steps';
import type { FieldValue } from '../src/lib/dossier/types';
import type { Field, FormDef } from '../src/lib/bindings';

const field = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'text' as const,
  label: id,
  label_en: id,
  required: false,
  ...extra,
});

const form: FormDef = {
  procedure: 'p',
  version: 1,
  title: 'T',
  title_en: 'T',
  sections: [
    { id: 'submission', title: 'Nộp', title_en: 'Submit', fields: [field('declaration')] },
    {
      id: 'applicant',
      title: 'Bạn',
      title_en: 'You',
      fields: [
        field('name'),
        field('kind', { kind: 'select' }),
        field('old_number', { visible_if: { field: 'kind', equals: 'renew' } }),
        field('old_date', { visible_if: { field: 'old_number' } }),
      ],
    },
    { id: 'family', title: 'Gia đình', title_en: 'Family', fields: [field('father')] },
  ],
  components: [{ id: 'portrait', name: 'Ảnh', name_en: 'Photo', required: true, max_files: 1 }],
  submission: { delivery: ['online'], agency: 'Cơ quan', agency_en: 'Agency' },
};

describe('steps', () => {
  it('one step per section, papers before the submission section, which is last', () => {
    expect(stepsOf(form).map((s) => s.id)).toEqual(['applicant', 'family', 'components', 'submission']);
    const noPapers = { ...form, components: [] };
    expect(stepsOf(noPapers).map((s) => s.id)).toEqual(['applicant', 'family', 'submission']);
  });

  it('clamps the step from the route', () => {
    expect(clampStep('2', 4)).toBe(2);
    expect(clampStep('9', 4)).toBe(4);
    expect(clampStep('0', 4)).toBe(1);
    expect(clampStep('abc', 4)).toBe(1);
    expect(clampStep(undefined, 4)).toBe(1);
    expect(stepPercent(2, 5)).toBe(40);
    expect(stepPercent(5, 5)).toBe(100);
    expect(stepPercent(1, 0)).toBe(0);
  });

  it('maps each problem to the step where it is fixed', () => {
    const steps = stepsOf(form);
    expect(stepOfProblem(steps, { path: 'fields.father', message_key: 'dossier.required', section: 'family' })).toBe(2);
    expect(stepOfProblem(steps, { path: 'components.portrait', message_key: 'x', section: 'components' })).toBe(3);
    expect(stepOfProblem(steps, { path: 'fields.declaration', message_key: 'x', section: 'submission' })).toBe(4);
    expect(stepOfProblem(steps, { path: 'fields.gone', message_key: 'x', section: 'nowhere' })).toBe(1);
    expect(targetOf('fields.old_number')).toEqual({ kind: 'field', id: 'old_number' });
    expect(targetOf('components.cccd_front')).toEqual({ kind: 'component', id: 'cccd_front' });
    expect(targetOf('bogus')).toBeNull();
  });

  it('shows conditional fields as check.rs does, through chains', () => {
    const f = (id: string) => form.sections[1]!.fields.find((x) => x.id === id)!;
    const vals = (v: Record<string, FieldValue>) => v;
    expect(fieldVisible(form, f('old_number'), vals({}))).toBe(false);
    expect(fieldVisible(form, f('old_number'), vals({ kind: 'first' }))).toBe(false);
    expect(fieldVisible(form, f('old_number'), vals({ kind: 'renew' }))).toBe(true);
    // A leftover value of a hidden field does not reveal its dependants.
    expect(fieldVisible(form, f('old_date'), vals({ kind: 'first', old_number: 'B123' }))).toBe(false);
    expect(fieldVisible(form, f('old_date'), vals({ kind: 'renew', old_number: 'B123' }))).toBe(true);
    expect(fieldVisible(form, f('old_date'), vals({ kind: 'renew', old_number: '  ' }))).toBe(false);
  });

  it('not_equals, row conditions and pattern messages, as check.rs', () => {
    const spouse = field('spouse', { visible_if: { field: 'kind', not_equals: 'first' } });
    const f2 = { ...form, sections: [{ ...form.sections[1]!, fields: [...form.sections[1]!.fields, spouse] }] };
    expect(fieldVisible(f2, spouse, {})).toBe(false);
    expect(fieldVisible(f2, spouse, { kind: 'first' })).toBe(false);
    expect(fieldVisible(f2, spouse, { kind: 'renew' })).toBe(true);
    const group = field('kids', {
      kind: 'group',
      max_items: 3,
      fields: [field('kid_adopted', { kind: 'checkbox' }), field('kid_decision', { visible_if: { field: 'kid_adopted', equals: true } })],
    }) as unknown as Field;
    const decision = group.fields![1]!;
    // The row's own answer decides, not another row's (the scope is one row over the top-level values).
    expect(rowFieldVisible(f2, group, decision, rowScope(group, { kid_adopted: true }, {}))).toBe(true);
    expect(rowFieldVisible(f2, group, decision, rowScope(group, {}, { kid_adopted: true }))).toBe(false);
    const coded = field('code', { pattern: '[0-9]{6}', pattern_message: 'Gồm 6 chữ số', pattern_message_en: 'Six digits' }) as Field;
    const dict = (k: string) => `dict:${k}`;
    expect(problemText(coded, 'validation.pattern', false, dict)).toBe('Gồm 6 chữ số');
    expect(problemText(coded, 'validation.pattern', true, dict)).toBe('Six digits');
    expect(problemText(coded, 'dossier.required', false, dict)).toBe('dict:dossier.required');
    expect(problemText(field('plain'), 'validation.pattern', false, dict)).toBe('dict:validation.pattern');
    expect(targetOf('fields.kids.1.kid_decision')).toEqual({ kind: 'field', id: 'kids.1.kid_decision' });
  });

  it('formats dates and photo kinds', () => {
    expect(ddmmyyyy('2026-11-03T10:00:00Z')).toBe('03/11/2026');
    expect(ddmmyyyy('garbage')).toBe('garbage');
    expect(photoKindOf('portrait_4x6')).toBe('portrait');
    expect(photoKindOf('cccd_back')).toBe('cccd-back');
    expect(photoKindOf(null)).toBe('document');
  });
});

/** Timers driven by the test. */
function fakeTimers() {
  let next = 1;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  const timers: Timers = {
    set: (fn, ms) => {
      pending.set(next, { fn, ms });
      return next++;
    },
    clear: (h) => pending.delete(h as number),
  };
  const fire = () => {
    const all = [...pending.values()];
    pending.clear();
    all.forEach((t) => t.fn());
  };
  return { timers, pending, fire };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('autosave', () => {
  it('debounces within 300 ms, merging changes per field', async () => {
    const saved: { field: string; value: FieldValue }[][] = [];
    const { timers, pending, fire } = fakeTimers();
    const a = new Autosaver(async (c) => (saved.push(c), saved.length), undefined, 300, timers);
    a.change('name', 'Ng');
    a.change('name', 'Nguyễn');
    a.change('phone', '09');
    expect(pending.size).toBe(1);
    expect([...pending.values()][0]!.ms).toBeLessThanOrEqual(300);
    expect(saved).toEqual([]);
    fire();
    await tick();
    await a.flush();
    expect(saved).toEqual([
      [
        { field: 'name', value: 'Nguyễn' },
        { field: 'phone', value: '09' },
      ],
    ]);
    expect(a.status.revision).toBe(1);
    expect(a.pending).toBe(0);
  });

  it('flush saves at once and cancels the timer', async () => {
    const saved: string[] = [];
    const { timers, pending } = fakeTimers();
    const a = new Autosaver(async (c) => (saved.push(c.map((x) => x.field).join()), 7), undefined, 300, timers);
    a.change('a', 'x');
    await a.flush();
    expect(saved).toEqual(['a']);
    expect(pending.size).toBe(0);
    await a.flush();
    expect(saved).toEqual(['a']); // nothing queued: no empty save
  });

  it('keeps failed changes queued and retries them, without overwriting newer edits', async () => {
    const calls: { field: string; value: FieldValue }[][] = [];
    let failNow: (() => void) | null = null;
    const { timers } = fakeTimers();
    const a = new Autosaver(
      (c) => {
        calls.push(c);
        if (calls.length === 1) return new Promise<number>((_, reject) => (failNow = () => reject(new Error('disk full'))));
        return Promise.resolve(3);
      },
      undefined,
      300,
      timers,
    );
    a.change('a', '1');
    a.change('b', '1');
    const first = a.flush();
    await tick();
    expect(calls).toHaveLength(1);
    a.change('b', '2'); // typed again while the failing save runs
    failNow!();
    await first;
    expect(a.status.error).toBeTruthy();
    expect(a.pending).toBe(2);
    await a.flush();
    expect(calls[1]).toEqual([
      { field: 'b', value: '2' },
      { field: 'a', value: '1' },
    ]);
    expect(a.status.error).toBeNull();
    expect(a.status.revision).toBe(3);
    expect(a.pending).toBe(0);
  });

  it('saves one batch at a time, in order', async () => {
    const order: string[] = [];
    let release: (() => void) | null = null;
    const { timers } = fakeTimers();
    const a = new Autosaver(
      (c) =>
        new Promise<number>((resolve) => {
          order.push(`start ${c[0]!.field}`);
          release = () => {
            order.push(`end ${c[0]!.field}`);
            resolve(1);
          };
        }),
      undefined,
      300,
      timers,
    );
    a.change('a', '1');
    const p1 = a.flush();
    await tick();
    a.change('b', '1');
    const p2 = a.flush();
    await tick();
    expect(order).toEqual(['start a']);
    release!();
    await p1;
    await tick();
    expect(order).toEqual(['start a', 'end a', 'start b']);
    release!();
    await p2;
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});

describe('coming back to the applicant picker', () => {
  it('returns to the picker with the new person, and only to the picker', async () => {
    const { returnWithPerson, returnQuery } = await import('../src/lib/dossier/steps');
    const ret = encodeURIComponent('/dossiers/new/passport-domestic');
    expect(returnWithPerson(`/people/new?return=${ret}`, 'abc')).toBe('/dossiers/new/passport-domestic?person=abc');
    expect(returnWithPerson('/people/new', 'abc')).toBeNull();
    expect(returnWithPerson(`/people/new?return=${encodeURIComponent('/settings')}`, 'abc')).toBeNull();
    expect(returnQuery(`/people/scan?return=${ret}`)).toBe(`?return=${ret}`);
    expect(returnQuery('/people/scan?return=javascript:x')).toBe('');
  });
});
