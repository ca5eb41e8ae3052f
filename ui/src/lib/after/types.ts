// Shapes of the after-submission commands (src-tauri/src/commands/after.rs): what the receipt,
// fee, supplement, result, cancel and rating screens show for one sent dossier.
import type { TimelineEntry } from '../sync/types';

/** Where a user action stands: not asked, waiting on the phone to be sent, or sent. */
export type ActionState = 'none' | 'queued' | 'sent';

export interface FeeView {
  amount_vnd: number;
  bank_bin: string;
  account_number: string;
  account_name: string;
  transfer_note: string;
  requested_at: string;
  /** The VietQR (EMVCo) text; null when it cannot be built (then the text details still show). */
  qr_payload: string | null;
  /** The VietQR code as an SVG document, drawn on the phone. */
  qr_svg: string | null;
  /** "Tôi đã chuyển khoản". */
  claim: ActionState;
  /** The officer confirmed the payment. */
  paid: boolean;
}

export type SupplementItem = { target: 'field'; name: string } | { target: 'attachment'; kind: string };

export interface SupplementView {
  /** The officer's words. */
  note: string;
  /** Only these reopen; empty = the officer named none, the whole dossier reopens. */
  items: SupplementItem[];
  requested_at: string;
  /** The corrected dossier. */
  resubmit: ActionState;
}

export type ResultView =
  | {
      method: 'online';
      content_type: string;
      size: number;
      sha256: string;
      /** The applicant's document holding the file, once downloaded; null while it downloads. */
      document_id: string | null;
      ready_at: string;
    }
  | { method: 'postal'; carrier: string; tracking_number: string; ready_at: string };

export interface RatingView {
  stars: number;
  comment: string | null;
  state: Exclude<ActionState, 'none'>;
}

export interface AfterView {
  dossier_id: string;
  code: string | null;
  /** The shown state (received … cancelled; see lib/sync/format stateKey). */
  state: string;
  procedure_id: string;
  procedure_name: string | null;
  procedure_name_en: string | null;
  agency_code: string | null;
  agency_name: string | null;
  received_at: string | null;
  /** The catalog's processing time in working days, when it gives one. */
  working_days: number | null;
  processing_text: string | null;
  processing_text_en: string | null;
  /** A QR code of the dossier code as an SVG document (for the counter). */
  code_qr_svg: string | null;
  fee: FeeView | null;
  supplement: SupplementView | null;
  result: ResultView | null;
  rating: RatingView | null;
  /** The server still allows withdrawing it (received or supplement requested). */
  can_cancel: boolean;
  cancel: ActionState;
  timeline: TimelineEntry[];
}

/** The result file's bytes and type. */
export interface ResultFile {
  bytes: Uint8Array;
  contentType: string;
}
