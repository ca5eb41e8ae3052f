// The hand-off calls that send raw bytes: a photo of the volunteer's QR code (decoded in Rust)
// and the bundle file itself (up to 64 MiB: the raw body, never a JSON array), with the key in a
// header. The key is a secret: kept in the screen's memory only, never stored or logged.
import { invokeRaw } from '../api';
import type { HandoffReceived } from '../bindings';

/** Reads the hand-off key in a photo of the volunteer's screen (checked in Rust). */
export async function scanHandoffKeyImage(file: Blob): Promise<string> {
  return invokeRaw('handoff_key_scan_image', new Uint8Array(await file.arrayBuffer()));
}

/** Opens a bundle file with its key and imports it. */
export async function importHandoff(file: Blob, key: string): Promise<HandoffReceived> {
  return invokeRaw('handoff_import', new Uint8Array(await file.arrayBuffer()), { 'x-handoff-key': key });
}
