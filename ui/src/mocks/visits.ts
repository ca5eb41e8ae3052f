// Mock handler for the report command (src-tauri/src/commands/visits.rs): a week and a month of
// a volunteer's work, counts only.
import { reject, type Handlers } from './util';
import type { Report } from '../lib/bindings';

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

export const handlers = {
  report_get: (args) => {
    const p = String(args.period);
    if (p !== 'week' && p !== 'month') reject('invalid_input', 'errors.internal', `bad period ${p}`);
    return report(p === 'month' ? 'month' : 'week');
  },
} satisfies Handlers;
