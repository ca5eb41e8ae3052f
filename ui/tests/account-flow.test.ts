import { describe, expect, it } from 'vitest';
import { codeDigits, maskPhone, passwordOk, secondsLeft, DEFAULT_RULES } from '../src/lib/account/flow.svelte';

describe('account flow helpers', () => {
  it('counts the resend countdown down to zero, never below', () => {
    expect(secondsLeft(61_000, 1_000)).toBe(60);
    expect(secondsLeft(61_000, 60_500)).toBe(1);
    expect(secondsLeft(61_000, 61_000)).toBe(0);
    expect(secondsLeft(61_000, 99_000)).toBe(0);
  });

  it('checks the password length in characters, as the server does', () => {
    expect(passwordOk('1234567', DEFAULT_RULES)).toBe(false);
    expect(passwordOk('12345678', DEFAULT_RULES)).toBe(true);
    // Vietnamese letters count once each, not by their UTF-16 or UTF-8 length.
    expect(passwordOk('mật khẩu', DEFAULT_RULES)).toBe(true);
    expect(passwordOk('ệệệệệệệ', DEFAULT_RULES)).toBe(false);
    expect(passwordOk('a'.repeat(129), DEFAULT_RULES)).toBe(false);
  });

  it('keeps only the digits of a code', () => {
    expect(codeDigits(' 12-34 56 ', 6)).toBe('123456');
    expect(codeDigits('1234567', 6)).toBe('123456');
    expect(codeDigits('abc', 6)).toBe('');
  });

  it('masks the phone number', () => {
    expect(maskPhone('0900000123')).toBe('090****123');
    expect(maskPhone('123')).toBe('123');
  });
});
