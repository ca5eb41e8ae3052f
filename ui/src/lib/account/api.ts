// The account call that sends raw bytes: a photo of a console's server QR code, decoded in Rust.
import { invokeRaw } from '../api';
import type { ServerChoice } from '../bindings';

/** Reads the server QR in a photo; nothing changes until `server_switch`. */
export async function scanServerImage(file: Blob): Promise<ServerChoice> {
  return invokeRaw('server_qr_scan_image', new Uint8Array(await file.arrayBuffer()));
}
