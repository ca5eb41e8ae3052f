// An in-memory stand-in for the Rust commands, used only by the Chromium lane (`--mode mock`),
// where there is no Tauri. Each feature adds its handler module here.
import { mockIPC } from '@tauri-apps/api/mocks';
import { handlers as shell } from './shell';
import { handlers as catalog } from './catalog';
import { handlers as photo } from './photo';
import { handlers as people } from './people';
import { handlers as dossier } from './dossier';
import { handlers as sync } from './sync';
import { handlers as after } from './after';
import { reject, type Handlers } from './util';

const all: Handlers = { ...shell, ...catalog, ...photo, ...people, ...dossier, ...sync, ...after };

export function installMockBackend(): void {
  mockIPC((cmd, payload) => {
    const handler = all[cmd];
    if (!handler) return reject('internal', 'errors.internal', `mock has no command ${cmd}`);
    return handler((payload ?? {}) as Record<string, unknown>);
  });
}
