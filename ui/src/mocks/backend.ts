// An in-memory stand-in for the Rust commands, used only by the Chromium lane (`--mode mock`),
// where there is no Tauri. Each feature adds its handler module here; every command of the
// generated bindings must have a handler (a missing one fails `npm run check`).
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CommandName } from '../lib/api';
import { handlers as shell } from './shell';
import { handlers as catalog } from './catalog';
import { handlers as photo } from './photo';
import { handlers as people } from './people';
import { handlers as dossier } from './dossier';
import { handlers as sync } from './sync';
import { handlers as after } from './after';
import { handlers as lock } from './lock';
import { handlers as consent } from './consent';
import { handlers as account } from './account';
import { handlers as visits } from './visits';
import { handlers as handoff } from './handoff';
import { reject, type Args, type Handlers } from './util';

/** Every command's mock handler (exported for the contract test, tests/mock-contract.test.ts). */
export const all = { ...shell, ...catalog, ...photo, ...people, ...dossier, ...sync, ...after, ...lock, ...consent, ...account, ...visits, ...handoff } satisfies Required<Handlers>;

function isCommand(cmd: string): cmd is CommandName {
  return Object.prototype.hasOwnProperty.call(all, cmd);
}

export function installMockBackend(): void {
  mockIPC((cmd, payload) => {
    if (!isCommand(cmd)) return reject('internal', 'errors.internal', `mock has no command ${cmd}`);
    const handler = all[cmd] as (args: Args) => unknown;
    return handler((payload ?? {}) as Args);
  });
}
