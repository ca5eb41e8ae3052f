// Pure decisions of the visit screens (tested in tests/visits.test.ts): the six tasks, who a tick
// is for, the tick shown at once while its command is on the way, taps saved one after another,
// and dates in Vietnam's time.
import type { SyncAccount, Task, Visit, VisitTask } from '../bindings';

/** The six tasks of a visit, in the teams' order (`core/src/visits.rs`). */
export const TASKS: readonly Task[] = ['public_services', 'vneid', 'accounts', 'cashless', 'ecommerce', 'online_safety'];

/** Visits, the household's visit button and "Cần quay lại" are a volunteer's. */
export function isVolunteer(acc: SyncAccount | null | undefined): boolean {
  return !!acc && acc.signed_in && acc.role === 'volunteer';
}

/** The open visit among a household's visits, if any. */
export function openVisit(visits: Visit[]): Visit | undefined {
  return visits.find((v) => v.ended_at === null);
}

/** The tick of `task` for `person` (null: the household as a whole). */
export function tickOf(visit: Visit, task: Task, person: string | null): VisitTask | undefined {
  return visit.tasks.find((x) => x.task === task && (x.person_id ?? null) === person);
}

/** How many tasks were ticked for `person` (null: the household). */
export function ticksFor(visit: Visit, person: string | null): number {
  return visit.tasks.filter((x) => (x.person_id ?? null) === person).length;
}

/** A visit's ticks in the teams' order of the tasks, the household's before a person's. */
export function ticksInOrder(visit: Visit): VisitTask[] {
  return [...visit.tasks].sort(
    (a, b) => TASKS.indexOf(a.task) - TASKS.indexOf(b.task) || (a.person_id ?? '').localeCompare(b.person_id ?? ''),
  );
}

/**
 * The visit as it will be once a tap is saved: ticked (with its outcome, replacing any earlier
 * one) or not. Shown at once; the command's answer replaces it.
 */
export function withTick(visit: Visit, task: Task, person: string | null, on: boolean, outcome: string | null = null): Visit {
  const others = visit.tasks.filter((x) => !(x.task === task && (x.person_id ?? null) === person));
  if (!on) return { ...visit, tasks: others };
  const at = tickOf(visit, task, person)?.at ?? new Date().toISOString();
  const o = outcome?.trim() ? outcome.trim() : null;
  return { ...visit, tasks: [...others, { task, person_id: person, outcome: o, at }] };
}

/**
 * Runs async jobs one after another, in the order they were given (a tap's command never
 * overtakes an earlier one). `idle()` is true when nothing is waiting or running.
 */
export function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return {
    run<T>(job: () => Promise<T>): Promise<T> {
      waiting += 1;
      const p = tail.then(job, job);
      tail = p.then(
        () => (waiting -= 1),
        () => (waiting -= 1),
      );
      return p;
    },
    idle(): boolean {
      return waiting === 0;
    },
  };
}

/** Vietnam keeps UTC+7 all year. */
const VN_OFFSET_MS = 7 * 3600 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

/** Today's date in Vietnam, ISO (`YYYY-MM-DD`): what the core compares follow-up dates with. */
export function todayVn(now: Date = new Date()): string {
  const d = new Date(now.getTime() + VN_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** An ISO date `days` later ('' when `iso` is not a full date). */
export function addDays(iso: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The date in Vietnam (`YYYY-MM-DD`) of an RFC 3339 instant; '' when it is not one. */
export function vnDate(rfc: string): string {
  const ms = Date.parse(rfc);
  return Number.isNaN(ms) ? '' : todayVn(new Date(ms));
}

/** "14:05 07/12/2026": an instant as a clock time and date in Vietnam; '' when it is not one. */
export function vnWhen(rfc: string): string {
  const ms = Date.parse(rfc);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms + VN_OFFSET_MS);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} ${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

/**
 * A report's days in Vietnam, "07/12 – 13/12/2026" (one day: "07/12/2026"); `to` is exclusive,
 * so its last day is the one before the instant just before it. '' when either is not an instant.
 */
export function reportDays(from: string, to: string): string {
  const a = vnDate(from);
  const endMs = Date.parse(to);
  if (!a || Number.isNaN(endMs)) return '';
  const b = todayVn(new Date(endMs - 1));
  const dm = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}`;
  if (b <= a) return `${dm(a)}/${a.slice(0, 4)}`;
  const first = a.slice(0, 4) === b.slice(0, 4) ? dm(a) : `${dm(a)}/${a.slice(0, 4)}`;
  return `${first} – ${dm(b)}/${b.slice(0, 4)}`;
}

/** How far toward a target, 0–100 (a target met or passed is 100); `null` without a target. */
export function progress(done: number, target: number | null | undefined): number | null {
  if (target === null || target === undefined || target <= 0) return null;
  return Math.min(100, Math.round((done / target) * 100));
}
