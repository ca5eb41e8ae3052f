// Mock handlers for a volunteer's field work (src-tauri/src/commands/visits.rs): visits to the
// mock household (one ended with a follow-up that has come), ticks, "Cần quay lại", and a week
// and a month of the report, counts only.
import { reject, type Handlers } from './util';
import type { FollowUp, Report, Task, TeamReport, Teams, Visit } from '../lib/bindings';
import { TASKS, todayVn } from '../lib/visits/logic';

const HID = '01a2f000-0000-7000-8000-0000000000a1';
const HOUSEHOLD = { name: 'Hộ bà Mẫu', address: 'Số 1 Ngõ Thử' };
/** The mock's "today" for follow-ups (the report's mock week ends the same day). */
const TODAY = '2026-12-06';

const visits: Visit[] = [
  {
    id: '01a2f000-0000-7000-8000-0000000000e1',
    household_id: HID,
    commune: 'Phường Mẫu',
    started_at: '2026-11-20T02:00:00Z',
    ended_at: '2026-11-20T03:10:00Z',
    notes: 'Bà cần học thêm cách nộp hồ sơ trên điện thoại.',
    follow_up_on: '2026-11-27',
    tasks: [
      { task: 'vneid', person_id: '01a2f000-0000-7000-8000-000000000001', outcome: 'Đã kích hoạt mức 2', at: '2026-11-20T02:20:00Z' },
      { task: 'online_safety', person_id: null, outcome: null, at: '2026-11-20T02:50:00Z' },
    ],
  },
];

function find(id: unknown): Visit {
  return visits.find((v) => v.id === id) ?? reject('not_found', 'errors.not_found', `visit ${String(id)}`);
}

function checkedFollowUp(follow: string | null): string | null {
  if (follow && !/^\d{4}-\d{2}-\d{2}$/.test(follow)) reject('invalid_input', 'visits.follow_up_invalid', follow);
  if (follow && follow < todayVn()) reject('invalid_input', 'visits.follow_up_past', follow);
  return follow;
}

function open(id: unknown): Visit {
  const v = find(id);
  if (v.ended_at) reject('invalid_input', 'visits.ended', 'the visit has ended');
  return v;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

function report(period: 'week' | 'month'): Report {
  const month = period === 'month';
  return {
    period,
    from: month ? '2026-11-30T17:00:00Z' : '2026-11-29T17:00:00Z',
    to: '2026-12-06T10:00:00Z',
    visits: month ? 14 : 5,
    households_visited: month ? 11 : 4,
    people_helped: month ? 23 : 9,
    tasks: {
      public_services: month ? 12 : 4,
      vneid: month ? 9 : 3,
      accounts: month ? 7 : 2,
      cashless: month ? 5 : 1,
      ecommerce: month ? 2 : 0,
      online_safety: month ? 10 : 4,
    },
    accounts_created: month ? 7 : 2,
    dossiers_filed: month ? 6 : 2,
    dossiers_by_procedure: { 'passport-domestic': month ? 4 : 1, 'birth-registration': month ? 2 : 1 },
    dossiers_by_state: { received: month ? 2 : 1, accepted: month ? 3 : 1, completed: month ? 1 : 0 },
    follow_ups_open: 3,
  };
}

function period(args: Record<string, unknown>): 'week' | 'month' {
  const p = String(args.period);
  if (p !== 'week' && p !== 'month') reject('invalid_input', 'visits.period_invalid', `bad period ${p}`);
  return p === 'month' ? 'month' : 'week';
}

const TEAM = '01a2f000-0000-7000-8000-0000000000f1';
const CAMPAIGN = '01a2f000-0000-7000-8000-0000000000f2';

const teams: Teams = {
  teams: [{ id: TEAM, name: 'Tổ công nghệ số cộng đồng khu phố 3', agency_code: '000.00.00.H00', members: 3, i_lead: true }],
  campaigns: [
    { id: CAMPAIGN, team_id: TEAM, name: 'Đi từng ngõ, gõ từng nhà — tháng 12', starts_on: '2026-12-01', ends_on: '2026-12-31' },
  ],
  fetched_at: '2026-12-06T03:00:00Z',
  stale: false,
};

/** The team's numbers: three members' weeks (or months, or the campaign), counts only. */
function teamReport(args: Record<string, unknown>): TeamReport {
  const campaign = args.campaignId === CAMPAIGN;
  if (!campaign && args.teamId !== TEAM) reject('invalid_input', 'team.error.not_leader', 'mock: not this team');
  const back = Number(args.back ?? 0);
  if (!Number.isInteger(back) || back < 0 || back > 24) reject('invalid_input', 'team.error.back', `back ${back}`);
  const p = campaign ? 'month' : period(args);
  const mine = report(p);
  const scale = back === 0 ? 3 : 2;
  const x = (n: number) => n * scale;
  const tasks = Object.fromEntries(Object.entries(mine.tasks).map(([k, v]) => [k, x(v ?? 0)]));
  return {
    report: {
      scope: campaign ? 'campaign' : 'team',
      scope_id: campaign ? CAMPAIGN : TEAM,
      scope_name: campaign ? teams.campaigns[0]!.name : teams.teams[0]!.name,
      from: campaign ? '2026-11-30T17:00:00Z' : back ? '2026-11-22T17:00:00Z' : mine.from,
      to: campaign ? '2026-12-31T17:00:00Z' : back ? '2026-11-29T17:00:00Z' : mine.to,
      visits: x(mine.visits),
      households_visited: x(mine.households_visited),
      people_helped: x(mine.people_helped),
      tasks,
      accounts_created: x(mine.accounts_created),
      dossiers_filed: x(mine.dossiers_filed),
      dossiers_by_procedure: { 'passport-domestic': x(1), 'birth-registration': x(1) },
      dossiers_by_state: { received: x(1), accepted: x(1) },
      follow_ups_open: x(1),
      volunteers: [
        { account_id: 'a1', display_name: 'Nguyễn Thị Tổ Trưởng', visits: x(2), households_visited: x(2), dossiers_filed: x(1), accounts_created: x(1) },
        { account_id: 'a2', display_name: 'Trần Văn Tình Nguyện', visits: x(2), households_visited: x(1), dossiers_filed: x(1), accounts_created: 0 },
        { account_id: 'a3', display_name: null, visits: x(1), households_visited: x(1), dossiers_filed: 0, accounts_created: x(1) },
      ],
      targets: campaign ? { households: 60, dossiers: 20, accounts: 6 } : null,
    },
    period: campaign ? null : p,
    fetched_at: '2026-12-06T03:00:00Z',
    stale: false,
  };
}

export const handlers = {
  visit_start: (args) => {
    if (args.householdId !== HID) reject('not_found', 'errors.not_found', 'household');
    const already = visits.find((v) => v.household_id === HID && !v.ended_at);
    if (already) return structuredClone(already);
    const v: Visit = {
      id: `01a2f000-0000-7000-8000-0000000000e${visits.length + 1}`,
      household_id: HID,
      commune: text(args.commune),
      started_at: new Date().toISOString(),
      ended_at: null,
      notes: null,
      follow_up_on: null,
      tasks: [],
    };
    visits.unshift(v);
    return structuredClone(v);
  },
  visit_get: (args) => structuredClone(find(args.id)),
  visit_task: (args) => {
    const v = open(args.visitId);
    const task = String(args.task) as Task;
    if (!TASKS.includes(task)) reject('invalid_input', 'visits.task_invalid', `task ${task}`);
    const person = text(args.personId);
    v.tasks = v.tasks.filter((x) => !(x.task === task && x.person_id === person));
    if (!args.undo) v.tasks.push({ task, person_id: person, outcome: text(args.outcome), at: new Date().toISOString() });
    return structuredClone(v);
  },
  visit_note: (args) => {
    const v = open(args.visitId);
    const follow = checkedFollowUp(text(args.followUpOn));
    v.notes = text(args.notes);
    v.follow_up_on = follow;
    return structuredClone(v);
  },
  visit_end: (args) => {
    const v = open(args.visitId);
    const follow = checkedFollowUp(text(args.followUpOn));
    v.ended_at = new Date().toISOString();
    // As in Rust: none given keeps what visit_note saved.
    v.notes = text(args.notes) ?? v.notes;
    v.follow_up_on = follow ?? v.follow_up_on;
    return structuredClone(v);
  },
  visit_list: (args) => structuredClone(visits.filter((v) => !args.householdId || v.household_id === args.householdId)),
  follow_ups_due: () => {
    const latest = visits.find((v) => v.household_id === HID);
    if (!latest?.ended_at || !latest.follow_up_on || latest.follow_up_on > TODAY) return [];
    const due: FollowUp = {
      visit_id: latest.id,
      household_id: HID,
      household_name: HOUSEHOLD.name,
      household_address: HOUSEHOLD.address,
      follow_up_on: latest.follow_up_on,
      ended_at: latest.ended_at,
    };
    return [due];
  },
  report_get: (args) => report(period(args)),
  report_export_csv: (args) =>
    `/home/nguoidung/.local/share/vn.dvc.donghanh/reports/bao-cao-${period(args) === 'month' ? 'thang-2026-12' : 'tuan-2026-11-30'}.csv`,
  team_list: () => structuredClone(teams),
  team_report: (args) => teamReport(args),
  team_report_export_csv: (args) => {
    const r = teamReport(args);
    return `/home/nguoidung/.local/share/vn.dvc.donghanh/reports/bao-cao-${r.period ? `to-${r.period === 'month' ? 'thang' : 'tuan'}` : 'chien-dich'}-2026-12.csv`;
  },
} satisfies Handlers;
