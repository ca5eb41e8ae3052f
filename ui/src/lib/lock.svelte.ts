// The app lock in the UI: whether the lock screen is up, the privacy cover, and the background
// timeout. The PIN gate itself is in Rust (dvc_core::lock); while it is closed every data command
// refuses, so this module only decides what to show.
import { commands } from './api';
import type { LockState, Unlock } from './bindings';
import { prefs } from './settings.svelte';

export const lock = $state<{ state: LockState | null; cover: boolean }>({ state: null, cover: false });

/** Reads the lock's state from the app. */
export async function refreshLock(): Promise<LockState> {
  const s = await commands.lock_status();
  lock.state = s;
  return s;
}

/** Tries a PIN; on success the lock screen goes away. */
export async function unlock(pin: string): Promise<Unlock> {
  const outcome = await commands.lock_unlock(pin);
  await refreshLock();
  return outcome;
}

let hiddenAt: number | null = null;
let watching = false;

async function backFromBackground(): Promise<void> {
  lock.cover = false;
  const since = hiddenAt;
  hiddenAt = null;
  if (since === null || !lock.state?.enabled) return;
  const minutes = prefs.lock_timeout_minutes || 5;
  if (Date.now() - since >= minutes * 60_000) {
    lock.state = await commands.lock_now();
  }
}

function toBackground(): void {
  // Only with a PIN set: without one anybody holding the phone opens the app anyway, and a cover
  // that a stray blur (a test display without a window manager, a dialog of the OS) leaves up
  // would hide the app from a user who never asked for a lock. Android's FLAG_SECURE keeps the
  // app switcher's thumbnail blank either way.
  if (!lock.state?.enabled) return;
  // The lock screen shows nothing personal: no cover over it (it would hide where to type the PIN).
  if (lock.state.locked) return;
  // Cover first, at once: the app switcher takes its thumbnail right after.
  lock.cover = true;
  hiddenAt ??= Date.now();
}

/** A touch or a key means the user is back even if no focus event came: never leave the cover
 *  over an app in use. */
function backByHand(): void {
  if (lock.cover) void backFromBackground();
}

/** With a PIN set, covers the content whenever the window is hidden or loses focus, and locks
 *  again after the background timeout (settings: 1, 5 or 15 minutes). */
export function watchPrivacy(): void {
  if (watching) return;
  watching = true;
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') toBackground();
    else void backFromBackground();
  });
  window.addEventListener('blur', toBackground);
  window.addEventListener('focus', () => void backFromBackground());
  window.addEventListener('pagehide', toBackground);
  window.addEventListener('pointerdown', backByHand, true);
  window.addEventListener('keydown', backByHand, true);
}

/** Seconds as "1 phút 30 giây"-style parts for the countdown. */
export function splitWait(secs: number): { min: number; sec: number } {
  return { min: Math.floor(secs / 60), sec: secs % 60 };
}
