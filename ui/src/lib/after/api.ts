// Typed calls of the after-submission commands (src-tauri/src/commands/after.rs).
import { call } from '../api';
import type { AfterView, ResultFile } from './types';

export const afterApi = {
  /** Everything the after-submission screens show for one dossier. */
  view: (dossierId: string) => call<AfterView>('after_view', { dossierId }),
  /** "Tôi đã chuyển khoản": queued on the phone, sent with the next sync. */
  claimPayment: (dossierId: string) => call<AfterView>('after_claim_payment', { dossierId }),
  /** Withdraw the dossier (only while the server allows it). */
  cancel: (dossierId: string, reason: string | null) => call<AfterView>('after_cancel', { dossierId, reason }),
  /** 1–5 stars and an optional comment, once. */
  rate: (dossierId: string, stars: number, comment: string | null) =>
    call<AfterView>('after_rate', { dossierId, stars, comment }),
  /** Sends the corrected dossier as a new revision (queued). */
  resubmit: (dossierId: string) => call<AfterView>('after_resubmit', { dossierId }),
  /** The received result file, from the applicant's documents. */
  async resultFile(dossierId: string, contentType: string): Promise<ResultFile> {
    const buf = await call<ArrayBuffer>('after_result_file', { dossierId });
    return { contentType, bytes: new Uint8Array(buf) };
  },
  /** Saves the receipt image (PNG, base64) in the Downloads folder; answers the file's path. */
  saveReceipt: (dossierId: string, png: string) => call<string>('after_save_receipt', { dossierId, png }),
};

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
