import { describe, expect, it } from 'vitest';
import type { Visit } from '../src/lib/bindings';
import {
  TASKS,
  addDays,
  progress,
  reportDays,
  vnDate,
  vnWhen,
  isVolunteer,
  openVisit,
  serial,
  tickOf,
  ticksFor,
  ticksInOrder,
  todayVn,
  withTick,
} from '../src/lib/visits/logic';

const A = '01a2f000-0000-7000-8000-000000000001';

function visit(over: Partial<Visit> = {}): Visit {
  return {
    id: '01a2f000-0000-7000-8000-0000000000e1',
    household_id: '01a2f000-0000-7000-8000-0000000000a1',
    commune: null,
    started_at: '2026-12-01T02:00:00Z',
    ended_at: null,
    notes: null,
    follow_up_on: null,
    tasks: [],
    ...over,
  };
}

describe('the six tasks', () => {
  it('are the teams’ six, in their order', () => {
    expect(TASKS).toEqual(['public_services', 'vneid', 'accounts', 'cashless', 'ecommerce', 'online_safety']);
  });
});

describe('isVolunteer', () => {
  it('is a signed-in volunteer only', () => {
    expect(isVolunteer({ server: 'https://x', signed_in: true, role: 'volunteer' })).toBe(true);
    expect(isVolunteer({ server: 'https://x', signed_in: false, role: 'volunteer' })).toBe(false);
    expect(isVolunteer({ server: 'https://x', signed_in: true, role: 'citizen' })).toBe(false);
    expect(isVolunteer(null)).toBe(false);
  });
});

describe('ticks', () => {
  it('are per person, the household (null) apart', () => {
    let v = withTick(visit(), 'vneid', A, true, '  Đã kích hoạt mức 2 ');
    v = withTick(v, 'vneid', null, true);
    expect(tickOf(v, 'vneid', A)?.outcome).toBe('Đã kích hoạt mức 2');
    expect(tickOf(v, 'vneid', null)?.outcome).toBeNull();
    expect(tickOf(v, 'cashless', A)).toBeUndefined();
    expect(ticksFor(v, A)).toBe(1);
    expect(ticksFor(v, null)).toBe(1);
  });

  it('replace the outcome without doubling, keep their time, and untick', () => {
    const first = withTick(visit(), 'accounts', A, true);
    const at = first.tasks[0]!.at;
    const again = withTick(first, 'accounts', A, true, 'VNeID và ngân hàng');
    expect(again.tasks).toHaveLength(1);
    expect(again.tasks[0]).toMatchObject({ outcome: 'VNeID và ngân hàng', at });
    expect(withTick(again, 'accounts', A, false).tasks).toEqual([]);
  });

  it('never change the visit they were given', () => {
    const v = visit();
    withTick(v, 'ecommerce', null, true);
    expect(v.tasks).toEqual([]);
  });

  it('are listed in the teams’ order, the household first', () => {
    let v = withTick(visit(), 'online_safety', A, true);
    v = withTick(v, 'vneid', A, true);
    v = withTick(v, 'vneid', null, true);
    expect(ticksInOrder(v).map((x) => [x.task, x.person_id])).toEqual([
      ['vneid', null],
      ['vneid', A],
      ['online_safety', A],
    ]);
  });

  it('find the open visit', () => {
    const ended = visit({ id: 'a', ended_at: '2026-12-01T03:00:00Z' });
    expect(openVisit([ended])).toBeUndefined();
    expect(openVisit([visit({ id: 'b' }), ended])?.id).toBe('b');
  });
});

describe('serial', () => {
  it('runs taps in order, even when an earlier one is slower or fails', async () => {
    const q = serial();
    const log: string[] = [];
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const a = q.run(async () => {
      await wait(20);
      log.push('a');
      throw new Error('a failed');
    });
    const b = q.run(async () => {
      log.push('b');
      return 'b';
    });
    expect(q.idle()).toBe(false);
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b');
    expect(log).toEqual(['a', 'b']);
    await wait(0);
    expect(q.idle()).toBe(true);
  });

  it('is idle when the last answer arrives', async () => {
    const q = serial();
    const seen: boolean[] = [];
    const one = q.run(async () => 1).then(() => seen.push(q.idle()));
    const two = q.run(async () => 2).then(() => seen.push(q.idle()));
    await Promise.all([one, two]);
    expect(seen).toEqual([false, true]);
  });
});

describe('dates in Vietnam', () => {
  it('today is Vietnam’s date (UTC+7)', () => {
    expect(todayVn(new Date('2026-12-06T16:59:00Z'))).toBe('2026-12-06');
    expect(todayVn(new Date('2026-12-06T17:00:00Z'))).toBe('2026-12-07');
  });
  it('adds days across months and years', () => {
    expect(addDays('2026-12-28', 7)).toBe('2027-01-04');
    expect(addDays('2028-02-25', 5)).toBe('2028-03-01');
    expect(addDays('06/12/2026', 7)).toBe('');
  });
});

describe('team report dates and targets', () => {
  it('shows a report’s days in Vietnam, its end exclusive', () => {
    // Monday 7 December 00:00 in Vietnam to the next Monday.
    expect(reportDays('2026-12-06T17:00:00Z', '2026-12-13T17:00:00Z')).toBe('07/12 – 13/12/2026');
    // Across a new year, both years are written.
    expect(reportDays('2026-12-27T17:00:00Z', '2027-01-03T17:00:00Z')).toBe('28/12/2026 – 03/01/2027');
    // A report that has only just begun is one day.
    expect(reportDays('2026-12-06T17:00:00Z', '2026-12-06T17:00:00.001Z')).toBe('07/12/2026');
    expect(reportDays('not a time', '2026-12-13T17:00:00Z')).toBe('');
  });

  it('writes an instant as a time and date in Vietnam', () => {
    expect(vnWhen('2026-12-06T17:30:00Z')).toBe('00:30 07/12/2026');
    expect(vnDate('2026-12-06T16:59:59Z')).toBe('2026-12-06');
    expect(vnWhen('')).toBe('');
  });

  it('measures progress toward a target, capped, and none without one', () => {
    expect(progress(33, 60)).toBe(55);
    expect(progress(70, 60)).toBe(100);
    expect(progress(5, 0)).toBeNull();
    expect(progress(5, null)).toBeNull();
  });
});
