// The consent call that sends raw bytes: a photo of a volunteer's QR code, decoded in Rust.
import { invokeRaw } from '../api';

/** Reads the volunteer's QR code in a photo: its text, for "Cho phép người hỗ trợ". */
export async function scanVolunteerImage(file: Blob): Promise<string> {
  return invokeRaw('consent_qr_scan_image', new Uint8Array(await file.arrayBuffer()));
}
