// Mock handlers for the sync commands (src-tauri/src/commands/sync.rs): one dossier uploading,
// one set aside, one sent with a timeline.
import { reject, type Handlers } from './util';
import type { SyncStatusView, Tracked } from '../lib/bindings';

const sentDossier: Tracked = {
  id: '0193a1b2-0000-7000-8000-000000000003',
  procedure_id: 'cap-ho-chieu-pho-thong',
  state: 'received',
  code: '000.00.00.H00-261123-0007',
  agency_code: '000.00.00.H00',
  quarantine_reason: null,
  attempts: 1,
  submitted_at: '2026-11-23T01:02:00Z',
  updated_at: '2026-11-23T02:30:00Z',
  provenance: { restored: true, filed_by: 'Tình nguyện viên Demo' },
  timeline: [
    { kind: 'local', state: 'queued', at: '2026-11-23T01:02:00Z' },
    { kind: 'sent', state: 'submitted', at: '2026-11-23T01:10:00Z' },
    { kind: 'event', state: 'received', at: '2026-11-23T02:30:00Z' },
  ],
};

const status: SyncStatusView = {
  account: { server: 'https://dvc.example.vn', signed_in: true, role: 'citizen' },
  running: true,
  pending: 1,
  done: 1,
  quarantined: 1,
  last_success_at: '2026-11-23T02:30:00Z',
  wifi_only: false,
  notify: true,
  unread: 1,
  queue: [
    {
      id: '0193a1b2-0000-7000-8000-000000000001',
      procedure_id: 'cap-ho-chieu-pho-thong',
      state: 'queued',
      code: null,
      agency_code: null,
      quarantine_reason: null,
      attempts: 0,
      submitted_at: '2026-11-23T03:00:00Z',
      updated_at: '2026-11-23T03:00:00Z',
      provenance: { restored: false },
      procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước',
      procedure_name_en: 'Ordinary passport issuance (in Viet Nam)',
      progress: { dossier_id: '0193a1b2-0000-7000-8000-000000000001', phase: 'uploading', bytes_sent: 393216, bytes_total: 1048576 },
    },
    {
      id: '0193a1b2-0000-7000-8000-000000000002',
      procedure_id: 'dang-ky-khai-sinh',
      state: 'quarantined',
      code: null,
      agency_code: null,
      quarantine_reason: 'sync.reason.too_large',
      attempts: 1,
      submitted_at: '2026-11-22T03:00:00Z',
      updated_at: '2026-11-22T03:00:00Z',
      provenance: { restored: false },
      procedure_name: 'Đăng ký khai sinh',
      procedure_name_en: 'Birth registration',
      progress: null,
    },
  ],
  sent: [{ ...sentDossier, procedure_name: 'Cấp hộ chiếu phổ thông ở trong nước', procedure_name_en: 'Ordinary passport issuance (in Viet Nam)' }],
};

export const handlers = {
  sync_account: () => ({ ...status.account }),
  sync_login: (args) => {
    if (!String(args.server ?? '').startsWith('https://'))
      reject('sync_bad_url', 'sync.error.bad_url', 'mock: https required');
    // The demo volunteer's phone (sync/server/src/seed.rs) signs in as a volunteer.
    const role = args.phone === '0900000002' ? 'volunteer' : 'citizen';
    status.account = { server: String(args.server), signed_in: true, role };
    return { ...status.account };
  },
  sync_logout: () => {
    status.account = { server: status.account.server, signed_in: false, role: null };
    return { ...status.account };
  },
  sync_now: () => ({ started: !status.running }),
  sync_status: () => structuredClone(status),
  sync_retry: (args) => {
    const q = status.queue.find((d) => d.id === args.dossierId);
    if (!q || q.state !== 'quarantined') return false;
    q.state = 'queued';
    q.quarantine_reason = null;
    return true;
  },
  sync_settings: (args) => {
    const s = args.settings as { wifi_only?: boolean; notify?: boolean } | null;
    if (s?.wifi_only !== undefined) status.wifi_only = s.wifi_only;
    if (s?.notify !== undefined) status.notify = s.notify;
    return { wifi_only: status.wifi_only, notify: status.notify };
  },
  sync_dossier: (args) =>
    args.dossierId === sentDossier.id
      ? structuredClone(sentDossier)
      : reject('not_found', 'errors.not_found', 'mock: no such dossier'),
  sync_seen: () => {
    status.unread = 0;
    return 0;
  },
  sync_notifications: () => [],
} satisfies Handlers;
