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

  it('keeps the submit button off while something is missing', async () => {
    withView([{ path: 'fields.full_name', message_key: 'validation.required', section: 'applicant' }]);
    render(DossierCheckScreen, { props: { params: [id()] } });
    await waitFor(() => expect(screen.getByTestId('checklist-count')).toBeTruthy());
    expect(screen.getByTestId('checklist-removed')).toBeTruthy();
    expect(screen.getByTestId('dossier-submit')).toHaveProperty('disabled', true);
  });
});
