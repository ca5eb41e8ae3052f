// @vitest-environment jsdom
// Repeatable groups in the e-form (src/screens/dossiers/GroupInput.svelte) and data-list choices
// (FieldInput with `options_from`): rows are added and removed with big buttons, each row shows
// the fields its own answers call for, every change hands up the whole list of rows, and a
// commune list only offers the chosen province's communes.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import GroupInput from '../../src/screens/dossiers/GroupInput.svelte';
import FieldInput from '../../src/screens/dossiers/FieldInput.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import type { Field, FormDef, ListChoice } from '../../src/lib/bindings';
import type { FieldValue, GroupRow } from '../../src/lib/dossier/types';

const children: Field = {
  id: 'children',
  kind: 'group',
  label: 'Các con',
  label_en: 'Children',
  min_items: 0,
  max_items: 2,
  add_label: 'Thêm người con',
  add_label_en: 'Add a child',
  fields: [
    { id: 'child_name', kind: 'text', label: 'Họ tên con', label_en: 'Name', required: true },
    { id: 'child_adopted', kind: 'checkbox', label: 'Con nuôi', label_en: 'Adopted' },
    {
      id: 'child_decision',
      kind: 'text',
      label: 'Số quyết định nhận con nuôi',
      label_en: 'Adoption decision no.',
      visible_if: { field: 'child_adopted', equals: true },
    },
  ],
};

const form: FormDef = {
  procedure: 'x',
  version: 1,
  title: 'T',
  title_en: 'T',
  sections: [{ id: 'a', title: 'A', title_en: 'A', fields: [children] }],
  submission: { delivery: ['online'], agency: 'UBND', agency_en: 'PC' },
};

function mount(value: GroupRow[], problems: Record<string, string> = {}, groupProblem: string | null = null) {
  const sent: GroupRow[][] = [];
  const r = render(GroupInput, {
    props: {
      form,
      field: children,
      value,
      values: {},
      problemOf: (path: string) => problems[path] ?? null,
      groupProblem,
      provinces: [],
      onchange: (rows: GroupRow[]) => sent.push(rows),
      onblur: () => {},
    },
  });
  return { ...r, sent };
}

beforeEach(() => setLang('vi'));

describe('repeatable group', () => {
  it('starts empty and adds a row with its own add label', async () => {
    const { sent } = mount([]);
    expect(screen.getByTestId('group-empty')).toBeTruthy();
    const add = screen.getByTestId('group-add');
    expect(add.textContent).toContain('Thêm người con');
    await fireEvent.click(add);
    expect(sent).toEqual([[{}]]);
  });

  it('shows each row the fields its own answers call for', () => {
    mount([{ child_name: 'An' }, { child_name: 'Bình', child_adopted: true }]);
    const rows = document.querySelectorAll('[data-row]');
    expect(rows.length).toBe(2);
    // Row 1 (not adopted) has no decision number; row 2 (adopted) has.
    expect(rows[0]!.querySelector('[data-field="children.0.child_decision"]')).toBeNull();
    expect(rows[1]!.querySelector('[data-field="children.1.child_decision"]')).toBeTruthy();
    expect(rows[0]!.querySelector('h3')!.textContent).toBe('Người thứ 1');
  });

  it('hands up the whole list on a change and on removing a row', async () => {
    const { sent } = mount([{ child_name: 'An' }, { child_name: 'Bình' }]);
    const input = document.querySelector('[data-field="children.1.child_name"] input') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'Bình An' } });
    expect(sent.at(-1)).toEqual([{ child_name: 'An' }, { child_name: 'Bình An' }]);
    const removes = screen.getAllByTestId('group-remove');
    expect(removes.length).toBe(2);
    await fireEvent.click(removes[0]!);
    expect(sent.at(-1)).toEqual([{ child_name: 'Bình' }]);
  });

  it('offers no add button once the group is full', () => {
    mount([{ child_name: 'An' }, { child_name: 'Bình' }]);
    expect(screen.queryByTestId('group-add')).toBeNull();
  });

  it('shows the row problems next to their field and the group problem below', () => {
    mount([{}], { 'children.0.child_name': 'Mục này cần điền.' }, 'Cần thêm người cho mục này.');
    const err = document.querySelector('[data-problem="children.0.child_name"]');
    expect(err!.textContent).toBe('Mục này cần điền.');
    expect(document.querySelector('[data-problem="children"]')!.textContent).toBe('Cần thêm người cho mục này.');
  });

  it('has full-width 52 px add and remove buttons (large targets at 360 px)', () => {
    mount([{ child_name: 'An' }]);
    expect(screen.getByTestId('group-remove').classList.contains('btn')).toBe(true);
    const source = readFileSync(resolve(__dirname, '../../src/screens/dossiers/GroupInput.svelte'), 'utf8');
    const rule = /\n  \.btn \{([^}]*)\}/.exec(source)?.[1] ?? '';
    expect(rule).toContain('min-height: 52px');
    expect(rule).toContain('width: 100%');
  });
});

describe('choices from data lists', () => {
  const communes: ListChoice[] = [
    { value: '00070', label: 'Phường Hoàn Kiếm', label_en: 'Hoàn Kiếm Ward', parent: 'hanoi' },
    { value: '19753', label: 'Phường Thuận Hóa', label_en: 'Thuận Hóa Ward', parent: 'hue' },
  ];
  const commune: Field = {
    id: 'agency_commune',
    kind: 'select',
    label: 'Xã, phường, đặc khu tiếp nhận',
    label_en: 'Receiving commune or ward',
    options_from: 'communes',
    options_parent: 'agency_province',
  };

  function options(parentValue: string | null): string[] {
    const r = render(FieldInput, {
      props: {
        field: commune,
        value: undefined as FieldValue | undefined,
        prefilled: false,
        problem: null,
        provinces: [],
        lists: { communes },
        parentValue,
        onchange: () => {},
        onblur: () => {},
      },
    });
    const out = [...r.container.querySelectorAll('option')].map((o) => o.value).filter(Boolean);
    r.unmount();
    return out;
  }

  it("lists only the chosen province's communes", () => {
    expect(options('hanoi')).toEqual(['00070']);
    expect(options('hue')).toEqual(['19753']);
  });

  it('asks for the province first', () => {
    expect(options(null)).toEqual([]);
    render(FieldInput, {
      props: {
        field: commune,
        value: undefined,
        prefilled: false,
        problem: null,
        provinces: [],
        lists: { communes },
        parentValue: null,
        onchange: () => {},
        onblur: () => {},
      },
    });
    expect(screen.getByTestId('commune-first').textContent).toBe('Chọn tỉnh, thành phố trước.');
    expect((document.querySelector('select') as HTMLSelectElement).disabled).toBe(true);
  });
});
