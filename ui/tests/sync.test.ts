import { describe, expect, it } from 'vitest';
import { formatDateTime, kb, percent, phaseKey, stateKey } from '../src/lib/sync/format';
import { vi } from '../src/lib/i18n/vi';

describe('sync format', () => {
  it('formats dates as dd/mm/yyyy HH:mm and rejects garbage', () => {
    const local = new Date(2026, 10, 3, 7, 5);
    expect(formatDateTime(local.toISOString())).toBe('03/11/2026 07:05');
    expect(formatDateTime('nope')).toBe('');
    expect(formatDateTime(null)).toBe('');
  });
  it('rounds KB and clamps percentages', () => {
    expect(kb(0)).toBe(0);
    expect(kb(10)).toBe(1);
    expect(kb(64 * 1024)).toBe(64);
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(5, 0)).toBe(0);
  });
  it('has a Vietnamese text for every phase and state key it returns', () => {
    const keys = [
      ...(['preparing', 'uploading', 'submitting', 'sent', 'waiting', 'quarantined'] as const).map(phaseKey),
      phaseKey(null),
      ...['received', 'completed', 'queued', 'whatever'].map(stateKey),
    ];
    for (const k of keys) expect(Object.keys(vi)).toContain(k);
  });
});
