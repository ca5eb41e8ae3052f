import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockState } from '../src/lib/bindings';

// The lock module talks to the app through `commands` and reads the timeout from the settings:
// both replaced here, and the browser's window/document by bare event targets (node test
// environment), so the background timeout runs on the fake clock.
const lockNow = vi.fn();
vi.mock('../src/lib/api', () => ({
  commands: {
    lock_now: (...a: unknown[]) => lockNow(...a),
    lock_status: vi.fn(),
    lock_unlock: vi.fn(),
  },
}));
vi.mock('../src/lib/settings.svelte', () => ({ prefs: { lock_timeout_minutes: 5 } }));

const win = new EventTarget();
const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });

const state = (enabled: boolean, locked = false) => ({ enabled, locked }) as unknown as LockState;

let mod: typeof import('../src/lib/lock.svelte');

beforeAll(async () => {
  (globalThis as Record<string, unknown>).window = win;
  (globalThis as Record<string, unknown>).document = doc;
  mod = await import('../src/lib/lock.svelte');
  mod.watchPrivacy();
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
  lockNow.mockReset();
  lockNow.mockResolvedValue(state(true, true));
  mod.lock.cover = false;
});

const settle = () => vi.runAllTimersAsync();

describe('app lock in the UI', () => {
  it('covers at once when the app leaves the foreground, uncovers when it is back', async () => {
    mod.lock.state = state(true);
    win.dispatchEvent(new Event('blur'));
    expect(mod.lock.cover).toBe(true);
    vi.advanceTimersByTime(4 * 60_000);
    win.dispatchEvent(new Event('focus'));
    await settle();
    expect(mod.lock.cover).toBe(false);
    expect(lockNow).not.toHaveBeenCalled();
    expect(mod.lock.state?.locked).toBe(false);
  });

  it('locks again after the background timeout', async () => {
    mod.lock.state = state(true);
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(mod.lock.cover).toBe(true);
    vi.advanceTimersByTime(5 * 60_000);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await settle();
    expect(lockNow).toHaveBeenCalledTimes(1);
    expect(mod.lock.state?.locked).toBe(true);
    expect(mod.lock.cover).toBe(false);
  });

  it('a touch takes the cover away even when no focus event comes', async () => {
    mod.lock.state = state(true);
    win.dispatchEvent(new Event('blur'));
    expect(mod.lock.cover).toBe(true);
    win.dispatchEvent(new Event('pointerdown'));
    await settle();
    expect(mod.lock.cover).toBe(false);
  });

  it('no cover over the lock screen itself', () => {
    mod.lock.state = state(true, true);
    win.dispatchEvent(new Event('blur'));
    expect(mod.lock.cover).toBe(false);
  });

  it('without a PIN there is neither cover nor lock', async () => {
    mod.lock.state = state(false);
    win.dispatchEvent(new Event('blur'));
    expect(mod.lock.cover).toBe(false);
    vi.advanceTimersByTime(60 * 60_000);
    win.dispatchEvent(new Event('focus'));
    await settle();
    expect(lockNow).not.toHaveBeenCalled();
  });
});
