import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/lib/handoff/format';
import { vi as viDict } from '../src/lib/i18n/vi';
import { en } from '../src/lib/i18n/en';

describe('hand-off sizes', () => {
  it('are in B, KB or MB with one decimal, in the language of the screen', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1,5 KB');
    expect(formatBytes(1536, 'en')).toBe('1.5 KB');
    expect(formatBytes(1_572_864)).toBe('1,5 MB');
    expect(formatBytes(64 * 1024 * 1024, 'en')).toBe('64 MB');
  });

  it('never show a negative or broken number', () => {
    expect(formatBytes(-5)).toBe('0 B');
    expect(formatBytes(Number.NaN)).toBe('0 B');
  });
});

describe('hand-off messages', () => {
  it('say what to do for every error a bundle can give, in both languages', () => {
    const errors = ['too_large', 'truncated', 'corrupt', 'wrong_key', 'unsupported_version', 'not_a_bundle', 'key_invalid', 'invalid_content', 'person_exists', 'conflict', 'pending'];
    for (const e of errors) {
      const k = `handoff.${e}` as keyof typeof viDict;
      expect(viDict[k], k).toBeTruthy();
      expect(en[k], k).toBeTruthy();
    }
  });
});
