import { describe, expect, it } from 'vitest';
import { dateForApi, formatDate, isExpired, parseDate, pickerValue, todayIso } from '../src/lib/format';

describe('formatDate', () => {
  it('shows full and partial ISO dates the Vietnamese way', () => {
    expect(formatDate('1985-06-05')).toBe('05/06/1985');
    expect(formatDate('1985-06')).toBe('06/1985');
    expect(formatDate('1985')).toBe('1985');
  });
  it('leaves empty and unknown values alone', () => {
    expect(formatDate(null)).toBe('');
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('')).toBe('');
    expect(formatDate('hôm qua')).toBe('hôm qua');
  });
});

describe('parseDate', () => {
  it('reads dd/mm/yyyy and its usual variants', () => {
    expect(parseDate('05/06/1985')).toBe('1985-06-05');
    expect(parseDate('5/6/1985')).toBe('1985-06-05');
    expect(parseDate(' 05-06-1985 ')).toBe('1985-06-05');
    expect(parseDate('05.06.1985')).toBe('1985-06-05');
    expect(parseDate('05061985')).toBe('1985-06-05');
    expect(parseDate('29/02/2024')).toBe('2024-02-29');
  });
  it('reads partial dates and the picker ISO value', () => {
    expect(parseDate('06/1985')).toBe('1985-06');
    expect(parseDate('1985')).toBe('1985');
    expect(parseDate('1985-06-05')).toBe('1985-06-05');
  });
  it('returns null when empty and undefined for what is not a date', () => {
    expect(parseDate('')).toBeNull();
    expect(parseDate('   ')).toBeNull();
    expect(parseDate(null)).toBeNull();
    for (const bad of ['31/02/2024', '29/02/2023', '13/2020', '00/01/2020', '12/5', '1985-13-01', 'abc', '5/6/85']) {
      expect(parseDate(bad), bad).toBeUndefined();
    }
  });
  it('round-trips with formatDate', () => {
    for (const iso of ['2001-01-31', '1950-12', '1940', '2024-02-29']) {
      expect(parseDate(formatDate(iso))).toBe(iso);
    }
  });
});

describe('dateForApi and pickerValue', () => {
  it('sends ISO, null for empty, or the raw text for the server to reject', () => {
    expect(dateForApi('05/06/1985')).toBe('1985-06-05');
    expect(dateForApi('')).toBeNull();
    expect(dateForApi(' 31/02/2024 ')).toBe('31/02/2024');
  });
  it('gives the native picker only full dates', () => {
    expect(pickerValue('1985-06-05')).toBe('1985-06-05');
    expect(pickerValue('1985-06')).toBe('');
    expect(pickerValue(null)).toBe('');
  });
});

describe('todayIso and isExpired', () => {
  const now = new Date(2026, 10, 23, 9, 30); // 23/11/2026 local time
  it('gives the local date', () => {
    expect(todayIso(now)).toBe('2026-11-23');
  });
  it('compares full and partial expiry dates with today', () => {
    expect(isExpired('2026-11-22', now)).toBe(true);
    expect(isExpired('2026-11-23', now)).toBe(false);
    expect(isExpired('2026-10', now)).toBe(true);
    expect(isExpired('2026-11', now)).toBe(false);
    expect(isExpired('2025', now)).toBe(true);
    expect(isExpired('2026', now)).toBe(false);
    expect(isExpired(null, now)).toBe(false);
    expect(isExpired('soon', now)).toBe(false);
  });
});
