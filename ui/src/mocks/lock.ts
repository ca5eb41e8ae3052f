// Mock handlers for the app lock. Same contracts as src-tauri/src/commands/lock.rs, with the
// core's rules in small: 6 digits, five free tries, then waits (no real time passes here).
import { reject, type Handlers } from './util';
import type { LockState, LockStatus, Unlock } from '../lib/bindings';

let pin: string | null = null;
let failures = 0;
let locked = false;

function status(): LockStatus {
  return { enabled: pin !== null, failures, wait_secs: failures >= 5 ? 30 * 2 ** (failures - 5) : 0, wipe_offered: false };
}

function state(): LockState {
  return { ...status(), locked: locked && pin !== null };
}

function check(given: unknown): Unlock {
  if (pin === null) return { outcome: 'opened' };
  if (status().wait_secs > 0) return { outcome: 'wait', status: status() };
  if (given === pin) {
    failures = 0;
    return { outcome: 'opened' };
  }
  failures += 1;
  return { outcome: 'wrong', status: status() };
}

function sixDigits(v: unknown): string {
  const s = String(v ?? '');
  if (!/^\d{6}$/.test(s)) reject('invalid_input', 'errors.lock_pin_form', 'a PIN is exactly 6 digits');
  return s;
}

export const handlers = {
  lock_status: () => state(),
  lock_unlock: (args) => {
    const out = check(args.pin);
    if (out.outcome === 'opened') locked = false;
    return out;
  },
  lock_set_pin: (args) => {
    const next = sixDigits(args.pin);
    if (pin !== null) {
      const out = check(args.old);
      if (out.outcome !== 'opened') return out;
    }
    pin = next;
    return { outcome: 'opened' };
  },
  lock_disable: (args) => {
    const out = check(args.pin);
    if (out.outcome === 'opened') pin = null;
    return out;
  },
  lock_now: () => {
    locked = pin !== null;
    return state();
  },
  lock_wipe: () => {
    pin = null;
    failures = 0;
    locked = false;
    return null;
  },
  // Desktop and the Chromium lane have no fingerprint unlock.
  lock_biometric_available: () => false,
  lock_unlock_biometric: () => reject('biometric_unavailable', 'lock.biometric_unavailable', 'no biometrics'),
} satisfies Handlers;
