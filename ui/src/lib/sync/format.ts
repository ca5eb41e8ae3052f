// Pure helpers of the sync screen (tested in tests/sync.test.ts).
import type { Phase } from '../bindings';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-23T08:05:00Z` → `23/11/2026 15:05` in the device's time zone; '' if unreadable. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Bytes as whole KB (at least 1 KB for anything non-empty). */
export function kb(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes <= 0) return 0;
  return Math.max(1, Math.round(bytes / 1024));
}

/** Progress 0–100, clamped. */
export function percent(sent: number, total: number): number {
  if (!Number.isFinite(sent) || !Number.isFinite(total) || total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((sent / total) * 100)));
}

const PHASE_KEYS: Record<Phase, string> = {
  preparing: 'sync.phase.preparing',
  uploading: 'sync.phase.uploading',
  submitting: 'sync.phase.submitting',
  sent: 'sync.phase.sent',
  waiting: 'sync.phase.waiting',
  quarantined: 'sync.phase.quarantined',
};

export function phaseKey(p: Phase | undefined | null): string {
  return p ? PHASE_KEYS[p] : 'sync.phase.queued';
}

const STATES = [
  'draft', 'queued', 'quarantined', 'submitted', 'received', 'accepted', 'supplement_requested',
  'fee_requested', 'paid', 'result_ready', 'completed', 'rejected', 'cancelled',
];

/** The message key of a dossier state (unknown states fall back to a generic text). */
export function stateKey(state: string): string {
  return STATES.includes(state) ? `sync.state.${state}` : 'sync.state.other';
}
