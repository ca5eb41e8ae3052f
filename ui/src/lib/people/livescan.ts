// Live camera scanning of the CCCD QR code, on phones only. The official Tauri plugin
// (`@tauri-apps/plugin-barcode-scanner`, Rust side `tauri-plugin-barcode-scanner`) exists only in
// the Android/iOS build and is granted by src-tauri/capabilities/mobile.json. Desktop (and the
// Chromium test lane) keep "take/choose a photo", decoded in Rust by `cccd_scan_image`.
// The plugin module is imported lazily, so the desktop bundle never loads it.

/** Whether a user agent is an Android or iOS device (the platforms the plugin supports). */
export function isMobileUserAgent(ua: string, maxTouchPoints = 0): boolean {
  if (/Android/i.test(ua)) return true;
  if (/iPhone|iPad|iPod/i.test(ua)) return true;
  // iPadOS reports itself as a Mac; a Mac with a touch screen is an iPad.
  return /Macintosh/i.test(ua) && maxTouchPoints > 1;
}

/** Live scanning is offered: inside the Tauri app, on Android/iOS. */
export function liveScanAvailable(): boolean {
  if (typeof window === 'undefined' || typeof navigator === 'undefined') return false;
  if (!('__TAURI_INTERNALS__' in window)) return false;
  return isMobileUserAgent(navigator.userAgent, navigator.maxTouchPoints ?? 0);
}

export type LiveScanOutcome =
  | { kind: 'text'; text: string }
  | { kind: 'denied' }
  | { kind: 'cancelled' };

/** Opens the camera and returns the text of the first QR code seen. */
export async function liveScanQr(): Promise<LiveScanOutcome> {
  const scanner = await import('@tauri-apps/plugin-barcode-scanner');
  let perm = await scanner.checkPermissions();
  if (perm !== 'granted') perm = await scanner.requestPermissions();
  if (perm !== 'granted') return { kind: 'denied' };
  try {
    const r = await scanner.scan({ formats: [scanner.Format.QRCode], cameraDirection: 'back', windowed: false });
    return r.content ? { kind: 'text', text: r.content } : { kind: 'cancelled' };
  } catch {
    // The user closed the camera (or it was taken by another app): not an error to show.
    return { kind: 'cancelled' };
  }
}

/** Opens the app's system settings (after the camera permission was refused). */
export async function openCameraSettings(): Promise<void> {
  const scanner = await import('@tauri-apps/plugin-barcode-scanner');
  await scanner.openAppSettings();
}
