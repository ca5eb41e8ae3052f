// Mock handlers for draft dossiers (src-tauri/src/commands/dossier.rs), Chromium lane only: the
// real passport form plus the common submission section, two synthetic dossiers (a draft and a
// queued one) and a simplified `check` (missing required fields and papers).
import passportForm from '../../../assets/catalog/forms/passport-domestic.json';
import type { FieldValue } from '../lib/dossier/types';
import { componentVisible, fieldVisible, isEmpty } from '../lib/dossier/steps';
import { reject, type Handlers } from './util';
import type { Attachment, ClaimView, Dossier, DossierOverview, Field, FormDef, LookupView, Problem, Section } from '../lib/bindings';

const now = '2026-11-23T10:00:00.000Z';
const P1 = '01a2f000-0000-7000-8000-000000000001';
/** The dossier "Tra cứu hồ sơ" finds (filed at the counter). */
export const LOOKUP_CODE = '000.00.00.H00-261130-0007';
export const DRAFT_ID = '01a2f000-0000-7000-8000-0000000000d1';
export const QUEUED_ID = '01a2f000-0000-7000-8000-0000000000d2';

const f = (id: string, kind: Field['kind'], label: string, label_en: string, required: boolean, extra = {}) =>
  ({ id, kind, label, label_en, required, ...extra }) as Field;

const submission: Section = {
  id: 'submission',
  title: 'Nộp hồ sơ',
  title_en: 'Submission',
  fields: [
    f('agency_province', 'select', 'Tỉnh, thành phố của cơ quan tiếp nhận', 'Province of the receiving agency', true, {
      options_from: 'provinces',
      help: 'Cơ quan tiếp nhận: Phòng Quản lý xuất nhập cảnh Công an tỉnh, thành phố',
    }),
    f('delivery', 'select', 'Cách nhận kết quả', 'How to receive the result', true, {
      options: [
        { value: 'in_person', label: 'Nhận trực tiếp tại nơi nộp', label_en: 'In person' },
        { value: 'postal', label: 'Nhận qua bưu chính công ích', label_en: 'By public postal service' },
      ],
    }),
    f('delivery_address', 'address', 'Địa chỉ nhận kết quả', 'Delivery address', true, {
      visible_if: { field: 'delivery', equals: 'postal' },
    }),
    f('declaration', 'checkbox', 'Tôi xin chịu trách nhiệm trước pháp luật về lời khai trên', 'I am responsible before the law for the above statements', true),
  ],
};

const form = { ...(passportForm as unknown as FormDef) };
form.sections = [...form.sections, submission];
form.components = (form.components ?? []).map((c) => ({ ...c, max_files: c.max_files ?? 1 }));

const provinces = [
  { code: 'hanoi', name: 'Thành phố Hà Nội', name_en: 'Ha Noi' },
  { code: 'haiphong', name: 'Thành phố Hải Phòng', name_en: 'Hai Phong' },
  { code: 'hochiminh', name: 'Thành phố Hồ Chí Minh', name_en: 'Ho Chi Minh City' },
];

function dossier(id: string, state: Dossier['state'], values: Record<string, FieldValue>, attachments: Attachment[]): Dossier {
  return {
    id,
    procedure_id: 'passport-domestic',
    form_version: 1,
    applicant_id: P1,
    helper: null,
    state,
    revision: 3,
    values,
    prefilled: Object.keys(values).filter((k) => ['full_name', 'sex', 'date_of_birth', 'id_number', 'phone', 'permanent_address'].includes(k)),
    attachments,
    created_at: now,
    updated_at: now,
    submitted_at: state === 'queued' ? now : null,
  };
}

const att = (component: string, n: number, prefilled: boolean): Attachment => ({
  component,
  position: 0,
  document_id: `01a2f000-0000-7000-8000-0000000000f${n}`,
  sha256: 'ab'.repeat(32),
  bytes: 120000,
  prefilled,
});

const base: Record<string, FieldValue> = {
  full_name: 'NGUYỄN THỊ MẪU',
  sex: 'female',
  date_of_birth: '1958-04-12',
  id_number: '001158000001',
  phone: '0912000001',
  permanent_address: 'Số 1 Ngõ Thử, Phường Mẫu, Hà Nội',
};

const dossiers: Dossier[] = [
  dossier(DRAFT_ID, 'draft', { ...base }, [att('cccd_front', 1, true), att('cccd_back', 2, true)]),
  dossier(
    QUEUED_ID,
    'queued',
    {
      ...base,
      place_of_birth: 'hanoi',
      id_issue_date: '2021-04-01',
      ethnicity: 'Kinh',
      request_type: 'first',
      chip: 'chip',
      agency_province: 'hanoi',
      delivery: 'in_person',
      declaration: true,
    },
    [att('portrait', 3, false), att('cccd_front', 1, true), att('cccd_back', 2, true)],
  ),
];

function find(id: unknown): Dossier {
  return dossiers.find((d) => d.id === id) ?? reject('not_found', 'errors.not_found', 'dossier');
}

function check(d: Dossier): Problem[] {
  const out: Problem[] = [];
  for (const s of form.sections)
    for (const fl of s.fields) {
      if (!fieldVisible(form, fl, d.values) || !fl.required || !isEmpty(d.values[fl.id])) continue;
      out.push({
        path: `fields.${fl.id}`,
        message_key: fl.kind === 'checkbox' ? 'dossier.must_confirm' : 'dossier.required',
        section: s.id,
      });
    }
  for (const c of form.components ?? []) {
    if (!c.required || !componentVisible(form, c, d.values)) continue;
    if (!d.attachments.some((a) => a.component === c.id))
      out.push({ path: `components.${c.id}`, message_key: 'dossier.component_missing', section: 'components' });
  }
  return out;
}

function overview(d: Dossier): DossierOverview {
  const problems = check(d).length;
  return {
    id: d.id,
    procedure_id: d.procedure_id,
    applicant_id: d.applicant_id,
    state: d.state,
    revision: d.revision,
    updated_at: d.updated_at,
    procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước',
    procedure_name_en: 'Ordinary passport issued in Vietnam',
    applicant_name: 'Nguyễn Thị Mẫu',
    percent: d.state === 'queued' ? 100 : Math.max(0, Math.min(99, 100 - problems * 7)),
    provenance: { restored: false },
    server_state: null,
  };
}

const editable = (id: unknown) => {
  const d = find(id);
  if (d.state !== 'draft') reject('invalid', 'dossier.read_only', 'queued');
  return d;
};

export const handlers = {
  dossier_form: () => ({ form, provinces, lists: {} }),
  draft_new: (args) => {
    const d = dossier(
      `01a2f000-0000-7000-8000-${String(dossiers.length + 1).padStart(12, '0')}`,
      'draft',
      args.person ? { ...base } : {},
      [],
    );
    dossiers.unshift(d);
    return d;
  },
  draft_set: (args) => {
    const d = editable(args.id);
    for (const c of args.changes as { field: string; value: FieldValue }[]) {
      if (isEmpty(c.value)) delete d.values[c.field];
      else d.values[c.field] = c.value;
      d.prefilled = d.prefilled.filter((x) => x !== c.field);
    }
    return ++d.revision;
  },
  draft_attach_photo: (args) => {
    // Raw-body commands get no JSON args in the mock: attach to the first empty photo component.
    const d = dossiers.find((x) => x.id === (args as { id?: string }).id) ?? dossiers[0]!;
    const c = (form.components ?? []).find((x) => !d.attachments.some((a) => a.component === x.id));
    if (c) d.attachments.push(att(c.id, 9, false));
    return { revision: ++d.revision, document_id: 'x', sha256: 'ab'.repeat(32), width: 600, height: 900, bytes: 100000, checks: [] };
  },
  draft_attach_document: (args) => {
    const d = editable(args.id);
    d.attachments.push(att(String(args.component), 8, false));
    return ++d.revision;
  },
  draft_detach: (args) => {
    const d = editable(args.id);
    d.attachments = d.attachments.filter((a) => !(a.component === args.component && a.position === args.position));
    return ++d.revision;
  },
  draft_check: (args) => {
    const d = find(args.id);
    const problems = check(d);
    return { complete: problems.length === 0, problems, revision: d.revision };
  },
  draft_submit: (args) => {
    const d = editable(args.id);
    if (check(d).length > 0) reject('invalid', 'dossier.incomplete', 'problems');
    d.state = 'queued';
    return { dossier_id: d.id, revision: ++d.revision, outbox_id: 'o', idempotency_key: 'k' };
  },
  draft_list: () => dossiers.map(overview),
  draft_show: (args) => {
    const d = find(args.id);
    return {
      dossier: d,
      form,
      provinces,
      lists: {},
      problems: check(d),
      removed_fields: [],
      applicant_name: 'Nguyễn Thị Mẫu',
      procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước',
    };
  },
  draft_delete: (args) => {
    editable(args.id);
    dossiers.splice(dossiers.findIndex((d) => d.id === args.id), 1);
    return null;
  },
  // "Tra cứu hồ sơ": one dossier filed at the counter, found with the last 4 digits 6789 or the
  // phone 0912345678; anything else is the one "not found" answer, as the server gives it.
  dossier_lookup: (args): LookupView => {
    const code = String(args.code ?? '').trim().toUpperCase();
    const factor = String(args.factor ?? '').replace(/\s/g, '');
    if (!/^[0-9A-Z.]{5,20}-\d{6}-\d{4}$/.test(code)) reject('invalid_input', 'lookup.error.code', `mock: code ${code}`);
    if (!/^(\d{4}|0\d{9}|\+84\d{9})$/.test(factor)) reject('invalid_input', 'lookup.error.factor', 'mock: factor');
    if (code !== LOOKUP_CODE || (factor !== '6789' && factor !== '0912345678')) {
      reject('lookup_refused', 'lookup.not_found', 'mock: 404.1');
    }
    return {
      code: LOOKUP_CODE,
      procedure_code: 'passport-domestic',
      agency_code: '000.00.00.H00',
      state: 'fee_requested',
      received_at: '2026-11-30T02:10:00Z',
      updated_at: '2026-12-02T08:30:00Z',
      timeline: [
        { at: '2026-11-30T02:10:00Z', kind: 'received', state: 'received' },
        { at: '2026-12-01T03:00:00Z', kind: 'accepted', state: 'accepted' },
        { at: '2026-12-02T08:30:00Z', kind: 'fee_requested', state: 'fee_requested', amount_vnd: 200000 },
      ],
      mine: false,
      procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước',
      procedure_name_en: 'Ordinary passport issued in Vietnam',
      can_claim: false,
    };
  },
  // "Thêm vào Hồ sơ của tôi": the mock's one dossier names the phone 0912345678.
  dossier_lookup_claim: (args): ClaimView => {
    const factor = String(args.factor ?? '').replace(/\s/g, '');
    if (String(args.code ?? '').trim().toUpperCase() !== LOOKUP_CODE) reject('lookup_refused', 'lookup.not_found', 'mock: 404.1');
    if (factor !== '0912345678') reject('lookup_refused', 'lookup.not_yours', 'mock: 403.11');
    return { code: LOOKUP_CODE, added: true };
  },
  // A receipt's QR holds its code (or a link with it); the mock's photo is always that receipt.
  dossier_lookup_code_from_qr: (args): string => {
    const m = /[0-9A-Za-z.]{1,40}-\d{6}-\d{4,9}/.exec(String(args.text ?? ''));
    if (!m) reject('receipt_qr_invalid', 'lookup.error.qr', 'mock: no code in the QR text');
    return m![0];
  },
  dossier_lookup_scan_image: (): string => LOOKUP_CODE,
} satisfies Handlers;
