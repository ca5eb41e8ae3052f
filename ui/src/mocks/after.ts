// Mock handlers for the after-submission commands (src-tauri/src/commands/after.rs), Chromium lane
// only: one dossier per step (received, fee asked, supplement asked, result ready as a PDF,
// completed with a postal result), actions answered like the Rust side (queued on the phone).
import { CODE, CODE_QR_SVG, FEE_PAYLOAD, FEE_QR_SVG } from './after-qr';
import { DRAFT_ID } from './dossier';
import { handlers as sync } from './sync';
import { reject, type Handlers } from './util';
import type { DossierView, ShownState, Tracked } from '../lib/bindings';

export const RECEIVED_ID = '0193a1b2-0000-7000-8000-000000000003';
export const FEE_ID = '0193a1b2-0000-7000-8000-000000000004';
export const SUPPLEMENT_ID = DRAFT_ID;
export const RESULT_ID = '0193a1b2-0000-7000-8000-000000000005';
export const POSTAL_ID = '0193a1b2-0000-7000-8000-000000000006';

const base = (id: string, state: ShownState, code: string): DossierView => ({
  dossier_id: id,
  provenance: { restored: false },
  code,
  state,
  procedure_id: 'passport-domestic',
  procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước',
  procedure_name_en: 'Ordinary passport issued in Viet Nam',
  agency_code: '000.00.00.H00',
  agency_name: 'Phòng Quản lý xuất nhập cảnh, Công an tỉnh Mẫu',
  submitted_at: '2026-11-23T01:02:00Z',
  received_at: '2026-11-23T02:30:00Z',
  updated_at: '2026-11-23T04:00:00Z',
  quarantine_reason: null,
  working_days: 8,
  processing_text: '8 ngày làm việc',
  processing_text_en: '8 working days',
  code_qr_svg: CODE_QR_SVG,
  revision: 1,
  revisions: [],
  fee: null,
  supplement: null,
  result: null,
  rating: null,
  can_cancel: false,
  cancel: 'none',
  pending_actions: [],
  pending_label: null,
  timeline: [
    { kind: 'submitted', state: 'queued', at: '2026-11-23T01:02:00Z' },
    { kind: 'received', state: 'received', at: '2026-11-23T02:30:00Z' },
  ],
});

const fee = {
  amount_vnd: 200000,
  bank_bin: '970415',
  account_number: '113000000001',
  account_name: 'CONG AN TINH MAU',
  transfer_note: CODE,
  requested_at: '2026-11-23T03:00:00Z',
  qr_payload: FEE_PAYLOAD,
  qr_svg: FEE_QR_SVG,
  claim: 'none' as const,
  paid: false,
};

const views: Record<string, DossierView> = {
  [RECEIVED_ID]: { ...base(RECEIVED_ID, 'received', CODE), can_cancel: true },
  [FEE_ID]: {
    ...base(FEE_ID, 'fee_requested', '000.00.00.H00-261123-0008'),
    fee: { ...fee, transfer_note: '000.00.00.H00-261123-0008' },
  },
  [SUPPLEMENT_ID]: {
    ...base(SUPPLEMENT_ID, 'supplement_requested', '000.00.00.H00-261123-0009'),
    can_cancel: true,
    supplement: {
      note: 'Ảnh chân dung bị tối và lệch, hãy chụp lại trên nền trắng. Địa chỉ thường trú ghi thiếu số nhà.',
      items: [
        { target: 'field', name: 'permanent_address' },
        { target: 'attachment', kind: 'portrait' },
      ],
      requested_at: '2026-11-23T04:00:00Z',
      resubmit: 'none',
    },
  },
  [RESULT_ID]: {
    ...base(RESULT_ID, 'result_ready', '000.00.00.H00-261123-0010'),
    fee: { ...fee, claim: 'sent', paid: true },
    result: {
      method: 'online',
      content_type: 'application/pdf',
      size: 1400,
      sha256: 'cd'.repeat(32),
      document_id: '01a2f000-0000-7000-8000-0000000000e1',
      downloaded_bytes: 1400,
      ready_at: '2026-11-28T08:00:00Z',
    },
  },
  [POSTAL_ID]: {
    ...base(POSTAL_ID, 'completed', '000.00.00.H00-261123-0011'),
    result: { method: 'postal', carrier: 'VNPost', tracking_number: 'EA123456789VN', ready_at: '2026-11-28T08:00:00Z' },
  },
};

function find(id: unknown): DossierView {
  return views[String(id)] ?? reject('not_found', 'errors.not_found', 'mock: no such dossier');
}

/** A one-page PDF with a few lines of Helvetica text (synthetic result paper). */
export function samplePdf(lines: string[]): Uint8Array<ArrayBuffer> {
  const text = lines
    .map((l, i) => `BT /F1 ${i === 0 ? 20 : 13} Tf 60 ${760 - i * 32} Td (${l.replace(/[()\\]/g, '')}) Tj ET`)
    .join('\n');
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

const tracked = (v: DossierView): Tracked => ({
  id: v.dossier_id,
  procedure_id: v.procedure_id,
  state: v.state,
  code: v.code,
  agency_code: v.agency_code,
  quarantine_reason: null,
  attempts: 1,
  submitted_at: '2026-11-23T01:02:00Z',
  updated_at: '2026-11-23T04:00:00Z',
  provenance: v.provenance,
  timeline: v.timeline,
});

export const handlers = {
  after_view: (args) => structuredClone(find(args.dossierId)),
  after_claim_payment: (args) => {
    const v = find(args.dossierId);
    if (!v.fee || v.state !== 'fee_requested') reject('invalid', 'dossier.after_not_allowed', 'mock: no fee due');
    if (v.fee.claim === 'none') v.fee.claim = 'queued';
    return structuredClone(v);
  },
  after_cancel: (args) => {
    const v = find(args.dossierId);
    if (!v.can_cancel) reject('invalid', 'dossier.after_not_allowed', 'mock: too late');
    v.cancel = 'queued';
    return structuredClone(v);
  },
  after_rate: (args) => {
    const v = find(args.dossierId);
    const stars = Number(args.stars);
    if (v.state !== 'completed') reject('invalid', 'dossier.after_not_allowed', 'mock: not completed');
    if (!Number.isInteger(stars) || stars < 1 || stars > 5) reject('invalid', 'dossier.after_rating_invalid', 'mock: stars');
    v.rating ??= { stars, comment: (args.comment as string | null) ?? null, state: 'queued' };
    return structuredClone(v);
  },
  after_resubmit: (args) => {
    const v = find(args.dossierId);
    if (!v.supplement || v.state !== 'supplement_requested') reject('invalid', 'dossier.after_not_allowed', 'mock: nothing asked');
    v.supplement.resubmit = 'queued';
    return structuredClone(v);
  },
  after_result_file: (args) => {
    const v = find(args.dossierId);
    if (v.result?.method !== 'online' || !v.result.document_id) reject('not_ready', 'result.not_ready', 'mock: no file');
    return samplePdf([
      'GIAY HEN TRA KET QUA (mau thu nghiem)',
      `Ma ho so: ${v.code ?? ''}`,
      'Thu tuc: Cap ho chieu pho thong o trong nuoc',
      'Ket qua: Da cap ho chieu (du lieu gia lap)',
    ]).buffer;
  },
  // "Giấy tờ cơ quan lưu": none in the mock dossiers (tests/components/agency-papers.test.ts
  // gives its own).
  after_agency_papers: () => [],
  // The PNG travels as the raw body (no arguments object to read the id from).
  after_save_receipt: () => '/home/nguoidung/.local/share/vn.dvc.donghanh/receipts/bien-nhan-000.00.00.H00-261123-0007.png',
  sync_dossier: (args) => {
    const v = views[String(args.dossierId)];
    return v && v.dossier_id !== RECEIVED_ID ? tracked(v) : sync.sync_dossier!(args);
  },
} satisfies Handlers;
