// Typed sync commands and events.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { call } from '../api';
import type { Progress, SyncAccount, SyncDone, SyncStatusView, Tracked } from './types';

export const syncApi = {
  account: () => call<SyncAccount>('sync_account'),
  login: (server: string, phone: string, password: string) =>
    call<SyncAccount>('sync_login', { server, phone, password }),
  logout: () => call<SyncAccount>('sync_logout'),
  now: () => call<{ started: boolean }>('sync_now'),
  status: () => call<SyncStatusView>('sync_status'),
  retry: (dossierId: string) => call<boolean>('sync_retry', { dossierId }),
  settings: (wifiOnly?: boolean) =>
    call<{ wifi_only: boolean }>('sync_settings', {
      settings: wifiOnly === undefined ? null : { wifi_only: wifiOnly },
    }),
  dossier: (dossierId: string) => call<Tracked>('sync_dossier', { dossierId }),
  seen: () => call<number>('sync_seen'),
};

export function onProgress(f: (p: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>('sync://progress', (e) => f(e.payload));
}

export function onDone(f: (d: SyncDone) => void): Promise<UnlistenFn> {
  return listen<SyncDone>('sync://done', (e) => f(e.payload));
}
