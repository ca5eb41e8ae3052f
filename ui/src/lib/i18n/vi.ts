// Vietnamese — the source language: the union of every feature's messages (messages/*.ts).
// A feature adds one import and one spread line here and in en.ts.
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

export const vi = {
  ...shell.vi,
  ...catalog.vi,
  ...photo.vi,
  ...people.vi,
  ...dossier.vi,
  ...sync.vi,
  ...after.vi,
  ...vietqr.vi,
  ...lock.vi,
  ...consent.vi,
  ...account.vi,
  ...visits.vi,
  ...handoff.vi,
} as const;

export type MessageKey = keyof typeof vi;
