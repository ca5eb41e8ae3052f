// How the procedure page shows catalog facts: the fee amounts in force on Vietnam's today, and
// whether a fact was checked against a source (shown) or not (marked "check with the agency").

import type { FactCheck, FeeItem, Fees } from '../bindings';

/** Vietnam's offset from UTC (UTC+7 all year, no daylight saving). */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** The calendar day in Vietnam at `now`, as `YYYY-MM-DD` (whatever the phone's time zone). */
export function vietnamToday(now: Date = new Date()): string {
  return new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether a fee item applies on `day` (`YYYY-MM-DD`): from `valid_from` (an undated item counts
 *  as already in force) through `valid_until`, both inclusive — the core's `FeeItem::in_force_on`. */
export function feeInForce(item: FeeItem, day: string): boolean {
  return (
    (!item.valid_from || item.valid_from <= day) && (!item.valid_until || day <= item.valid_until)
  );
}

/** The fee items in force on `day`, in catalog order. */
export function feesInForce(fees: Fees, day: string): FeeItem[] {
  return fees.items.filter((i) => feeInForce(i, day));
}

/** `YYYY-MM-DD` as the Vietnamese write it: 31/12/2025. */
export function vnDate(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

/** What the page shows next to a fact: a source to reveal, or the "check with the agency" mark. */
export type FactMark =
  | { kind: 'source'; url: string; date: string; note: string | null }
  | { kind: 'check_with_agency'; reason: string };

/** The mark of one fact; a fee item's own check wins over the fees' check. */
export function factMark(check: FactCheck, own?: FactCheck | null): FactMark {
  const c = own ?? check;
  return c.status === 'verified'
    ? { kind: 'source', url: c.source, date: vnDate(c.verified_at), note: c.note ?? null }
    : { kind: 'check_with_agency', reason: c.reason };
}
