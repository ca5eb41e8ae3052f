// Mock handlers for the consent commands (src-tauri/src/commands/consent.rs): a volunteer asks a
// citizen by code (the right code in the Chromium lane is 123456), a citizen names a volunteer.
import { reject, type Handlers } from './util';
import type { ConsentView } from '../lib/bindings';

const consents: ConsentView[] = [];
let next = 1;

function add(role: 'grantee' | 'grantor', person: string | null, basis = 'account'): ConsentView {
  const now = new Date();
  const until = new Date(now.getTime() + 90 * 86_400_000);
  const c: ConsentView = {
    id: `0193c0de-0000-7000-8000-00000000000${next++}`,
    basis,
    role,
    person_id: person,
    citizen_label: role === 'grantee' ? '090****001' : null,
    volunteer_label: role === 'grantor' ? 'Tình nguyện viên Demo' : null,
    procedures: null,
    granted_at: now.toISOString(),
    expires_at: basis === 'paper' ? null : until.toISOString(),
    status: 'active',
    method: basis === 'paper' ? null : role === 'grantee' ? 'otp' : 'app',
    document_id: null,
  };
  consents.unshift(c);
  return c;
}

export const handlers = {
  consent_request: (args) => {
    const phone = String(args.phone ?? '');
    if (!/^0\d{9}$/.test(phone)) return reject('invalid_input', 'account.error.phone', 'phone');
    return { request_id: '0193c0de-aaaa-7000-8000-000000000001', code_length: 6, expires_in_s: 300, valid_days: Number(args.days ?? 90), text_version: '2026-12' };
  },
  consent_confirm: (args) => {
    if (args.code !== '123456') return reject('sync_refused', 'sync.error.wrong_code', '400.5');
    return structuredClone(add('grantee', (args.personId as string | null) ?? null));
  },
  consent_grant: (args) => {
    if (!args.volunteerPhone && !args.volunteerQr) return reject('invalid_input', 'account.error.phone', 'phone');
    return structuredClone(add('grantor', null));
  },
  consent_withdraw: (args) => {
    const c = consents.find((x) => x.id === args.consentId);
    if (!c) return reject('not_found', 'errors.not_found', 'consent');
    c.status = 'ended';
    return null;
  },
  consent_list: (args) => structuredClone(consents.filter((c) => !args.personId || c.person_id === args.personId)),
  consent_refresh: () => structuredClone(consents),
  consent_paper: (args) => structuredClone(add('grantee', String(args.personId), 'paper')),
  consent_qr_scan_image: () => 'DVCVOL1:0193c0de-0000-7000-8000-00000000000a:42',
  volunteer_qr: () => ({
    text: 'DVCVOL1:0193c0de-0000-7000-8000-00000000000a:42',
    svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><rect width="29" height="29" fill="#fff"/><path d="M4 4h7v7H4zM18 4h7v7h-7zM4 18h7v7H4z"/></svg>',
  }),
} satisfies Handlers;
