// "Giấy tờ cơ quan lưu": the message key of a paper kind the server sends
// (dvc_protocol::events::PAPER_KINDS); a kind this app does not know is shown as "other".
import type { MessageKey } from '../i18n/index.svelte';

const KINDS = [
  'application_form',
  'identity_card',
  'birth_certificate',
  'residence_paper',
  'marriage_paper',
  'authorization',
  'fee_receipt',
  'other',
] as const;

export function paperKindKey(kind: string): MessageKey {
  const k = (KINDS as readonly string[]).includes(kind) ? kind : 'other';
  return `after.papers.kind.${k}` as MessageKey;
}
