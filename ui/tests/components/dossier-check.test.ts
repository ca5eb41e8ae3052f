// @vitest-environment jsdom
// "Còn thiếu" (src/screens/dossiers/DossierCheckScreen.svelte): fields a catalog update took out
// of the draft's form are listed apart, by their labels, and do not stop the sending; what is
// still missing does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import DossierCheckScreen from '../../src/screens/dossiers/DossierCheckScreen.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import { handlers as dossier } from '../../src/mocks/dossier';
import type { DraftView, Problem } from '../../src/lib/bindings';
import type { Args } from '../../src/mocks/util';
import { fakeBackend, type FakeBackend } from './backend';

let backend: FakeBackend;
const removed = [
  { field_id: 'occupation', label: 'Nghề nghiệp', label_en: 'Occupation', catalog_version: '2027.1' },
];

function withView(problems: Problem[]) {
  backend = fakeBackend({
    draft_show: (args: Args) => {
      const v = dossier.draft_show(args) as DraftView;
      return { ...v, dossier: { ...v.dossier, state: 'draft' }, problems, removed_fields: removed };
    },
  });
}

beforeEach(() => setLang('vi'));
afterEach(() => expect(backend.unexpected).toEqual([]));

describe('check list after a catalog update', () => {
  const id = () => String(dossier.draft_list()[0]!.id);

  it('names the removed fields apart and still lets the dossier go', async () => {
    withView([]);
    render(DossierCheckScreen, { props: { params: [id()] } });
    await waitFor(() => expect(screen.getByTestId('checklist-removed')).toBeTruthy());
    expect(screen.getByTestId('checklist-removed').textContent).toContain('Mẫu tờ khai đã thay đổi');
    expect(screen.getByTestId('checklist-removed').querySelector('[data-removed-field="occupation"]')!.textContent).toBe(
      'Nghề nghiệp',
    );
    expect(screen.getByTestId('checklist-complete')).toBeTruthy();
    expect(screen.getByTestId('dossier-submit')).toHaveProperty('disabled', false);
  });

  it("names a group row's field by the group, the row and the field", async () => {
    backend = fakeBackend({
      draft_show: (args: Args) => {
        const v = dossier.draft_show(args) as DraftView;
        const kids = {
          id: 'kids',
          kind: 'group' as const,
          label: 'Các con',
          label_en: 'Children',
          max_items: 5,
          fields: [{ id: 'kid_name', kind: 'text' as const, label: 'Họ tên', label_en: 'Name' }],
        };
        const form = { ...v.form, sections: [...v.form.sections, { id: 'family', title: 'Gia đình', title_en: 'Family', fields: [kids] }] };
        const problems: Problem[] = [{ path: 'fields.kids.1.kid_name', message_key: 'dossier.required', section: 'family' }];
        return { ...v, form, dossier: { ...v.dossier, state: 'draft' }, problems, removed_fields: [] };
      },
    });
    render(DossierCheckScreen, { props: { params: [id()] } });
    await waitFor(() => expect(screen.getByTestId('checklist-count')).toBeTruthy());
    const item = document.querySelector('[data-problem-path="fields.kids.1.kid_name"] .what');
    expect(item!.textContent).toBe('Các con — Người thứ 2: Họ tên');
  });

  it('keeps the submit button off while something is missing', async () => {
    withView([{ path: 'fields.full_name', message_key: 'validation.required', section: 'applicant' }]);
    render(DossierCheckScreen, { props: { params: [id()] } });
    await waitFor(() => expect(screen.getByTestId('checklist-count')).toBeTruthy());
    expect(screen.getByTestId('checklist-removed')).toBeTruthy();
    expect(screen.getByTestId('dossier-submit')).toHaveProperty('disabled', true);
  });
});
