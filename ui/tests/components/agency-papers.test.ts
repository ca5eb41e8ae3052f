// @vitest-environment jsdom
// "Giấy tờ cơ quan lưu" on a sent dossier's screen (src/screens/sync/SyncTimelineScreen.svelte):
// the papers an officer scanned into the record, with kind, pages and date; an unknown kind is
// "other"; nothing at all when there are none.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import SyncTimelineScreen from '../../src/screens/sync/SyncTimelineScreen.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import { handlers as after, FEE_ID } from '../../src/mocks/after';
import type { AgencyPaper } from '../../src/lib/bindings';
import { fakeBackend, type FakeBackend } from './backend';

let backend: FakeBackend;

const papers: AgencyPaper[] = [
  {
    kind: 'identity_card',
    pages: 2,
    sha256: 'ab'.repeat(32),
    content_type: 'application/pdf',
    size: 12_345,
    added_at: '2026-11-23T18:30:00Z',
  },
  {
    kind: 'kind_from_a_newer_server',
    pages: 1,
    sha256: 'cd'.repeat(32),
    content_type: 'image/jpeg',
    size: 2_000,
    added_at: '2026-11-24T02:00:00Z',
  },
];

function start(list: AgencyPaper[]): void {
  backend = fakeBackend({
    sync_dossier: after.sync_dossier,
    after_view: after.after_view,
    after_agency_papers: () => list,
  });
}

beforeEach(() => setLang('vi'));
afterEach(() => expect(backend.unexpected).toEqual([]));

describe('papers kept by the agency', () => {
  it('lists kind, pages and the Vietnam date of each paper', async () => {
    start(papers);
    render(SyncTimelineScreen, { props: { params: [FEE_ID] } });
    await waitFor(() => expect(screen.getAllByTestId('agency-paper')).toHaveLength(2));
    expect(screen.getByTestId('agency-papers').textContent).toContain('Giấy tờ cơ quan lưu');
    const [first, second] = screen.getAllByTestId('agency-paper').map((li) => li.textContent ?? '');
    // 18:30 UTC on the 23rd is already the 24th in Vietnam.
    expect(first).toContain('Thẻ căn cước / CCCD');
    expect(first).toContain('2 trang');
    expect(first).toContain('Lưu ngày 24/11/2026');
    expect(second).toContain('Giấy tờ khác');
    expect(backend.argsOf('after_agency_papers')).toEqual([{ dossierId: FEE_ID }]);
  });

  it('shows nothing when the agency keeps no paper', async () => {
    start([]);
    render(SyncTimelineScreen, { props: { params: [FEE_ID] } });
    await waitFor(() => expect(backend.argsOf('after_agency_papers')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByTestId('dossier-code')).not.toBeNull());
    expect(screen.queryByTestId('agency-papers')).toBeNull();
  });

  it('speaks English too', async () => {
    setLang('en');
    start(papers.slice(0, 1));
    render(SyncTimelineScreen, { props: { params: [FEE_ID] } });
    await waitFor(() => expect(screen.getByTestId('agency-paper').textContent).toContain('ID card (CCCD)'));
    expect(screen.getByTestId('agency-paper').textContent).toContain('2 pages');
  });
});
