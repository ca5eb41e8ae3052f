// @vitest-environment jsdom
// "Báo cáo của tổ" (src/screens/visits/TeamReportScreen.svelte) with the Chromium lane's mock
// handlers behind it: the buttons ask for the right report, stepping back asks for the earlier
// week, a kept answer says it is from earlier, and a member who does not lead sees why there is
// no report.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import TeamReportScreen from '../../src/screens/visits/TeamReportScreen.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import { handlers as visits } from '../../src/mocks/visits';
import type { ProcedureView, Teams } from '../../src/lib/bindings';
import { reject, type Handlers } from '../../src/mocks/util';
import { fakeBackend, type FakeBackend } from './backend';

let backend: FakeBackend;
// The screen reads only a procedure's name from the catalog (the full catalog mock pulls in
// guide images this environment does not load).
const names: Record<string, string> = { 'passport-domestic': 'Cấp hộ chiếu phổ thông ở trong nước' };
const base: Handlers = {
  ...visits,
  catalog_show: (args) =>
    names[String(args.id)]
      ? ({ name: names[String(args.id)] } as unknown as ProcedureView)
      : reject('not_found', 'errors.not_found', 'test: no such procedure'),
};

beforeEach(() => {
  setLang('vi');
  backend = fakeBackend(base);
});

afterEach(() => {
  expect(backend.unexpected).toEqual([]);
});

const count = () => screen.getByTestId('team-visits').textContent;

describe('team report', () => {
  it('shows the week of the team the account leads, then earlier weeks and the campaign', async () => {
    render(TeamReportScreen, { props: { params: [] } });
    await waitFor(() => expect(count()).toBe('15'));
    const team = backend.argsOf('team_report')[0]!;
    expect(team).toMatchObject({ campaignId: null, period: 'week', back: 0 });
    expect(String(team.teamId)).toMatch(/f1$/);
    expect(screen.getByTestId('team-period').textContent).toBe('Tuần này');
    // One row per member; a member without a name is numbered, not shown as an id.
    const rows = screen.getByTestId('team-volunteers').querySelectorAll('tbody tr');
    expect(rows).toHaveLength(3);
    expect(rows[2]!.querySelector('th')!.textContent).toBe('Thành viên 3');
    // "Sau" is off on the current week; "Trước" asks for the one before.
    expect(screen.getByTestId('team-forward')).toHaveProperty('disabled', true);
    await fireEvent.click(screen.getByTestId('team-back'));
    await waitFor(() => expect(count()).toBe('10'));
    expect(backend.argsOf('team_report').at(-1)).toMatchObject({ period: 'week', back: 1 });
    expect(screen.getByTestId('team-period').textContent).toBe('Tuần trước');
    expect(screen.getByTestId('team-days').textContent).toBe('23/11 – 29/11/2026');

    await fireEvent.click(screen.getByTestId('team-campaign'));
    await waitFor(() => expect(count()).toBe('42'));
    expect(backend.argsOf('team_report').at(-1)).toMatchObject({ teamId: null, back: 0 });
    expect(String(backend.argsOf('team_report').at(-1)!.campaignId)).toMatch(/f2$/);
    const targets = screen.getByTestId('team-targets');
    expect(targets.textContent).toContain('33 / 60');
    // Procedure codes are shown by their catalog names; one the catalog lacks stays a code.
    await waitFor(() =>
      expect(screen.getByTestId('team-procedures').textContent).toContain('Cấp hộ chiếu phổ thông'),
    );
    expect(screen.getByTestId('team-procedures').textContent).toContain('birth-registration');
  });

  it('says when the figures are kept from earlier', async () => {
    backend = fakeBackend({
      ...base,
      team_report: (args) => ({ ...visits.team_report(args), stale: true, fetched_at: '2026-12-06T03:05:00Z' }),
    });
    render(TeamReportScreen, { props: { params: [] } });
    const note = await screen.findByTestId('team-stale');
    expect(note.textContent).toContain('10:05 06/12/2026');
  });

  it('a member who does not lead gets no report and is told why', async () => {
    const notLead = (): Teams => {
      const l = visits.team_list();
      return { ...l, teams: l.teams.map((x) => ({ ...x, i_lead: false })) };
    };
    backend = fakeBackend({ ...base, team_list: notLead });
    render(TeamReportScreen, { props: { params: [] } });
    const none = await screen.findByTestId('team-none');
    expect(none.textContent).toContain('Chỉ tổ trưởng');
    expect(backend.argsOf('team_report')).toEqual([]);
  });
});
