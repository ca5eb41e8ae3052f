// Mock handlers for the account commands (src-tauri/src/commands/account.rs), with the same
// rules in small: a 60-second resend countdown, the code 123456, two devices, a server QR
// "DVCSRV1:<url>" read from a file named after it.
import { reject, type Handlers } from './util';
import type { CodeSent, DeviceView, ServerInfo } from '../lib/bindings';

const SHIPPED = 'https://dvc.example.vn';
let server: string | null = null;
const sent: CodeSent = { expires_in_s: 600, resend_after_s: 60, code_length: 6 };
let devices: DeviceView[] = [
  { token_id: 'tok-this', device_name: 'DVC Đồng Hành', created_at: '2026-11-20T01:00:00Z', last_seen_at: '2026-11-23T02:30:00Z', current: true },
  { token_id: 'tok-other', device_name: 'Điện thoại cũ', created_at: '2026-10-02T08:00:00Z', last_seen_at: '2026-10-30T09:15:00Z', current: false },
];

const info = (): ServerInfo => ({ url: server ?? SHIPPED, shipped_url: SHIPPED, switched: server !== null, signed_in: false });

function phone(v: unknown): string {
  const p = String(v ?? '').replace(/\s/g, '');
  if (!/^0\d{9}$/.test(p)) reject('invalid_input', 'account.error.phone', 'mock: phone');
  return p;
}

function qr(text: string): { url: string } {
  const m = /^DVCSRV1:(https:\/\/[A-Za-z0-9.:-]+(\/[^\s?#@]*)?)$/.exec(text.trim());
  if (!m) reject('server_qr_invalid', 'account.error.server_qr', 'mock: not a server QR');
  return { url: m[1]!.replace(/\/$/, '') };
}

export const handlers = {
  account_server: () => info(),
  account_rules: () => ({ password_min: 8, password_max: 128, code_digits: 6 }),
  server_qr_parse: (args) => qr(String(args.text ?? '')),
  server_qr_scan_image: () => reject('server_qr_invalid', 'account.error.server_qr', 'mock: no QR in the photo'),
  server_switch: (args) => {
    server = args.url ? String(args.url) : null;
    return info();
  },
  account_register: (args) => {
    phone(args.phone);
    if ([...String(args.password ?? '')].length < 8) reject('invalid_input', 'account.error.password', 'mock: password');
    return { ...sent };
  },
  account_verify: (args) => {
    phone(args.phone);
    if (args.code !== '123456') reject('account_refused', 'account.error.code_wrong', 'mock: wrong code');
    return null;
  },
  account_resend: (args) => {
    phone(args.phone);
    return { ...sent };
  },
  account_password_reset: (args) => {
    phone(args.phone);
    return { ...sent };
  },
  account_password_reset_confirm: (args) => {
    if (args.code !== '123456') reject('account_refused', 'account.error.code_wrong', 'mock: wrong code');
    return null;
  },
  account_password_change: (args) => {
    if (args.oldPassword !== 'mat-khau-dai-1') reject('account_refused', 'account.error.old_password', 'mock: old password');
    return null;
  },
  account_devices: () => structuredClone(devices),
  account_revoke_device: (args) => {
    devices = devices.filter((d) => d.token_id !== args.tokenId);
    return null;
  },
} satisfies Handlers;
