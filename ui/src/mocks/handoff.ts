// Mock handlers for the hand-off commands (src-tauri/src/commands/handoff.rs): the volunteer makes
// a bundle of the sample person (1 paper, 1 dossier) and confirms; the citizen's import answers
// the sample person received. A typed key must start with `DVCH1.` (the real check is in Rust).
import { reject, type Handlers } from './util';

const PERSON = '01a2f000-0000-7000-8000-000000000001';
const KEY = 'DVCH1.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 45 45"><rect width="45" height="45" fill="#fff"/><path d="M4 4h7v7H4zM34 4h7v7h-7zM4 34h7v7H4zM15 15h15v15H15z"/></svg>';

const waiting: string[] = [];
const incoming = (bundle_id: string) => ({
  bundle_id,
  state: 'waiting',
  person_id: null,
  documents: 0,
  dossiers: 0,
  error: null,
  added_at: '2026-12-07T03:00:00Z',
  updated_at: '2026-12-07T03:00:00Z',
});

export const handlers = {
  handoff_export: () => ({
    key: KEY,
    svg: SVG,
    bundle_id: 'AAAAAAAAAAAAAAAAAAAAAA',
    bytes: 1_572_864,
    documents: 1,
    dossiers: 1,
    path: '/data/vn.gov.dvc/handoff/ban-giao-2026-12-07-AAAAAAAA.dvch',
    file_name: 'ban-giao-2026-12-07-AAAAAAAA.dvch',
  }),
  handoff_key_check: (args) => {
    const key = String(args.key ?? '').trim();
    if (!key.startsWith('DVCH1.')) return reject('invalid_input', 'handoff.key_invalid', 'key');
    return key;
  },
  handoff_key_scan_image: () => KEY,
  handoff_import: () => ({
    bundle_id: 'AAAAAAAAAAAAAAAAAAAAAA',
    person_id: PERSON,
    imported: true,
    already_imported: false,
    documents: 1,
    dossiers: 1,
    full_name: 'Nguyễn Thị Mẫu',
  }),
  handoff_status: () => null,
  // The relay: a scanned key waits (no server in the mock; the file still works).
  handoff_receive: (args) => {
    const key = String(args.key ?? '').trim();
    if (!key.startsWith('DVCH1.')) return reject('invalid_input', 'handoff.key_invalid', 'key');
    waiting.push(key.split('.')[1] ?? '');
    return incoming(waiting[waiting.length - 1] ?? '');
  },
  handoff_incoming: () => waiting.map(incoming),
  handoff_confirm: (args) => ({
    person_id: String(args.personId ?? PERSON),
    bundle_id: 'AAAAAAAAAAAAAAAAAAAAAA',
    created_at: '2026-12-07T03:00:00Z',
    confirmed_at: '2026-12-07T03:05:00Z',
    already_confirmed: false,
  }),
} satisfies Handlers;
