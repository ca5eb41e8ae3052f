// Typed sync commands and events.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { call } from '../api';
import type { Progress, RaisedNotification, SyncAccount, SyncDone, SyncSettings, SyncStatusView, Tracked } from './types';

export const syncApi = {
  account: () => call<SyncAccount>('sync_account'),
  login: (server: string, phone: string, password: string) =>
    call<SyncAccount>('sync_login', { server, phone, password }),
  logout: () => call<SyncAccount>('sync_logout'),
  now: () => call<{ started: boolean }>('sync_now'),
  status: () => call<SyncStatusView>('sync_status'),
  retry: (dossierId: string) => call<boolean>('sync_retry', { dossierId }),
  /** Reads the settings; changes the fields given. */
  settings: (change?: Partial<SyncSettings>) =>
    call<SyncSettings>('sync_settings', { settings: change ?? null }),
  dossier: (dossierId: string) => call<Tracked>('sync_dossier', { dossierId }),
  seen: () => call<number>('sync_seen'),
  notifications: () => call<RaisedNotification[]>('sync_notifications'),
};

export function onProgress(f: (p: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>('sync://progress', (e) => f(e.payload));
}

export function onDone(f: (d: SyncDone) => void): Promise<UnlistenFn> {
  return listen<SyncDone>('sync://done', (e) => f(e.payload));
}
