// The sync events (the sync commands are generated: ../bindings.ts).
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Progress, SyncDone } from '../bindings';

export function onProgress(f: (p: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>('sync://progress', (e) => f(e.payload));
}

export function onDone(f: (d: SyncDone) => void): Promise<UnlistenFn> {
  return listen<SyncDone>('sync://done', (e) => f(e.payload));
}
