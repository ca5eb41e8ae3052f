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
  // Cover first, at once: the app switcher takes its thumbnail right after.
  lock.cover = true;
  hiddenAt ??= Date.now();
}

/** Covers the content whenever the window is hidden or loses focus, and locks again after the
 *  background timeout (settings: 1, 5 or 15 minutes). */
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
}

/** Seconds as "1 phút 30 giây"-style parts for the countdown. */
export function splitWait(secs: number): { min: number; sec: number } {
  return { min: Math.floor(secs / 60), sec: secs % 60 };
}
