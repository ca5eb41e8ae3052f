// What the account screens hand to one another in memory (never to storage or the URL): the
// phone number a code was sent to, when "Gửi lại mã" opens, and, between the register form and
// the code screen only, the password to sign in with once the code is confirmed.
import type { AccountRules, CodeSent } from '../bindings';

export const flow = $state<{
  phone: string;
  codeLength: number;
  /** `Date.now()` when a new code may be asked. */
  resendAt: number;
  /** Set by the register form, cleared as soon as the sign-in after the code has run. */
  password: string;
}>({ phone: '', codeLength: 6, resendAt: 0, password: '' });

/** Remembers a sent code's countdown. */
export function codeSent(phone: string, sent: CodeSent, now = Date.now()): void {
  flow.phone = phone;
  flow.codeLength = sent.code_length;
  flow.resendAt = now + sent.resend_after_s * 1000;
}

/** Seconds left before a new code may be asked (0: now). */
export function secondsLeft(resendAt: number, now: number): number {
  return Math.max(0, Math.ceil((resendAt - now) / 1000));
}

/** The password rule, checked on the device before any request. */
export function passwordOk(password: string, rules: AccountRules): boolean {
  const n = [...password].length;
  return n >= rules.password_min && n <= rules.password_max;
}

/** Only the digits of a typed or pasted code, at most `length` of them. */
export function codeDigits(text: string, length: number): string {
  return text.replace(/\D/g, '').slice(0, length);
}

/** A phone number masked for the screen: first three and last three digits. */
export function maskPhone(phone: string): string {
  const d = phone.replace(/\s/g, '');
  return d.length >= 8 ? `${d.slice(0, 3)}****${d.slice(-3)}` : d;
}

export function forget(): void {
  flow.phone = '';
  flow.password = '';
  flow.resendAt = 0;
}

export const DEFAULT_RULES: AccountRules = { password_min: 8, password_max: 128, code_digits: 6 };
