// Shapes of the sync commands (src-tauri/src/commands/sync.rs).
export type Phase = 'preparing' | 'uploading' | 'submitting' | 'sent' | 'waiting' | 'quarantined';

export interface Progress {
  dossier_id: string;
  phase: Phase;
  bytes_sent: number;
  bytes_total: number;
}

export interface TimelineEntry {
  kind: string;
  state: string;
  at: string;
  detail?: unknown;
}

export interface Tracked {
  id: string;
  procedure_id: string;
  state: string;
  code: string | null;
  agency_code: string | null;
  quarantine_reason: string | null;
  waiting_reason?: string | null;
  attempts: number;
  submitted_at: string | null;
  updated_at: string;
  timeline?: TimelineEntry[];
}

export interface QueueItem extends Tracked {
  procedure_name?: string | null;
  procedure_name_en?: string | null;
  progress: Progress | null;
}

export interface SentItem extends Tracked {
  procedure_name?: string | null;
  procedure_name_en?: string | null;
}

export interface SyncSettings {
  wifi_only: boolean;
  notify: boolean;
}

/** A notification the app raised (the read-only `sync_notifications` command). */
export interface RaisedNotification {
  dossier_id: string;
  title: string;
  dispatched: boolean;
}

export interface SyncAccount {
  server: string | null;
  signed_in: boolean;
  role: string | null;
}

export interface SyncStatusView {
  account: SyncAccount;
  running: boolean;
  pending: number;
  done: number;
  quarantined: number;
  last_success_at: string | null;
  wifi_only: boolean;
  notify: boolean;
  unread: number;
  queue: QueueItem[];
  sent: SentItem[];
}

export interface SyncDone {
  ok: boolean;
  error_key: string | null;
  changes: { dossier_id: string; code: string | null; state: string }[];
}
