import { describe, expect, it } from 'vitest';
import { isMobileUserAgent, liveScanAvailable } from '../src/lib/people/livescan';

describe('live QR scanning is offered on phones only', () => {
  it('recognises Android and iOS user agents', () => {
    expect(isMobileUserAgent('Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36')).toBe(true);
    expect(isMobileUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15')).toBe(true);
    // iPadOS pretends to be a Mac, but has a touch screen.
    expect(isMobileUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15', 5)).toBe(true);
  });
  it('keeps desktops on the photo path', () => {
    expect(isMobileUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko)')).toBe(false);
    expect(isMobileUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15', 0)).toBe(false);
    expect(isMobileUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Edg/120')).toBe(false);
  });
  it('is off outside the Tauri app (tests, Chromium lane without the IPC bridge)', () => {
    expect(liveScanAvailable()).toBe(false);
  });
});
