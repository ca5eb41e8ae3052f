// English — second language. Must have every key of vi.ts (the type checker enforces it).
import type { MessageKey } from './vi';
import * as shell from './messages/shell';
import * as catalog from './messages/catalog';
import * as photo from './messages/photo';
import * as people from './messages/people';
import * as dossier from './messages/dossier';
import * as sync from './messages/sync';
import * as after from './messages/after';
import * as vietqr from './messages/vietqr';
import * as lock from './messages/lock';
import * as consent from './messages/consent';
import * as account from './messages/account';
import * as visits from './messages/visits';
import * as handoff from './messages/handoff';

export const en: Record<MessageKey, string> = {
  ...shell.en,
  ...catalog.en,
  ...photo.en,
  ...people.en,
  ...dossier.en,
  ...sync.en,
  ...after.en,
  ...vietqr.en,
  ...lock.en,
  ...consent.en,
  ...account.en,
  ...visits.en,
  ...handoff.en,
};
