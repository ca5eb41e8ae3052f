import { describe, expect, it } from 'vitest';
import { factMark, feeInForce, feesInForce, vietnamToday, vnDate } from '../src/lib/catalog/facts';
import type { FactCheck, FeeItem, Fees } from '../src/lib/bindings';

const item = (amount: number, from: string | null, until: string | null, channel: FeeItem['channel'] = 'any'): FeeItem => ({
  channel,
  amount_vnd: amount,
  text: `${amount} đồng`,
  text_en: `${amount} VND`,
  valid_from: from,
  valid_until: until,
});

// The driving-licence renewal: 135.000 đ since 1/8/2023; the 115.000 đ online rate ran
// 1/12/2023 – 31/12/2025.
const licence: Fees = {
  status: 'paid',
  items: [item(135_000, '2023-08-01', null), item(115_000, '2023-12-01', '2025-12-31', 'online')],
  basis: null,
};
const amounts = (day: string) => feesInForce(licence, day).map((i) => i.amount_vnd);

describe('fees in force', () => {
  it('follows the dates, both ends inclusive', () => {
    expect(amounts('2023-07-31')).toEqual([]);
    expect(amounts('2023-08-01')).toEqual([135_000]);
    expect(amounts('2023-12-01')).toEqual([135_000, 115_000]);
    expect(amounts('2025-12-31')).toEqual([135_000, 115_000]);
    expect(amounts('2026-01-01')).toEqual([135_000]);
  });

  it('counts an undated item as in force until its end', () => {
    expect(feeInForce(item(8_000, null, null), '1999-01-01')).toBe(true);
    expect(feeInForce(item(5_000, null, '2024-06-30'), '2024-06-30')).toBe(true);
    expect(feeInForce(item(5_000, null, '2024-06-30'), '2024-07-01')).toBe(false);
    const noKeys = { channel: 'any', amount_vnd: 1, text: '', text_en: '' } as FeeItem;
    expect(feeInForce(noKeys, '2026-12-06')).toBe(true);
  });
});

describe('Vietnam today', () => {
  it('is UTC+7 whatever the clock zone', () => {
    // 31/12/2025 17:00 UTC is already 1/1/2026 in Vietnam: the online discount has ended.
    expect(vietnamToday(new Date('2025-12-31T16:59:59Z'))).toBe('2025-12-31');
    expect(vietnamToday(new Date('2025-12-31T17:00:00Z'))).toBe('2026-01-01');
    expect(amounts(vietnamToday(new Date('2025-12-31T17:00:00Z')))).toEqual([135_000]);
  });

  it('prints days the Vietnamese way', () => {
    expect(vnDate('2025-12-31')).toBe('31/12/2025');
    expect(vnDate('not a date')).toBe('not a date');
  });
});

describe('fact marks', () => {
  const verified: FactCheck = { status: 'verified', source: 'https://dichvucong.gov.vn/p/x', verified_at: '2026-12-06' };
  const unverified: FactCheck = { status: 'unverified', reason: 'no stored page' };

  it('marks an unverified fact for checking with the agency', () => {
    expect(factMark(unverified)).toEqual({ kind: 'check_with_agency', reason: 'no stored page' });
  });

  it('gives a verified fact its source and date', () => {
    expect(factMark(verified)).toEqual({
      kind: 'source',
      url: 'https://dichvucong.gov.vn/p/x',
      date: '06/12/2026',
      note: null,
    });
  });

  it("lets a fee item's own check win", () => {
    expect(factMark(verified, unverified).kind).toBe('check_with_agency');
    expect(factMark(unverified, verified).kind).toBe('source');
    expect(factMark(unverified, null).kind).toBe('check_with_agency');
  });
});
