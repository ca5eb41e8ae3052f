// Typed calls of the after-submission commands (src-tauri/src/commands/after.rs).
import { invoke } from '@tauri-apps/api/core';
import { call, toApiError } from '../api';
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
  /** Saves the receipt picture (PNG bytes) in the Downloads folder; answers the file's path. */
  async saveReceipt(dossierId: string, png: Uint8Array): Promise<string> {
    try {
      return await invoke<string>('after_save_receipt', png, { headers: { 'x-dossier-id': dossierId } });
    } catch (e) {
      throw toApiError(e);
    }
  },
};
