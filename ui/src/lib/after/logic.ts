// Pure decisions of the after-submission screens (tested in tests/after.test.ts): money and date
// formatting, the expected result date, which button a dossier's page shows next, and the
// supplement items' labels.
import type { ComponentDef, DossierView, FormDef, SupplementItem } from '../bindings';



/** 200000 → "200.000 đ" (Vietnamese grouping with dots); '' for anything not a whole amount ≥ 0. */
export function formatVnd(amount: number): string {
  if (!Number.isFinite(amount) || amount < 0 || !Number.isInteger(amount)) return '';
  return `${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đ`;
}

/** Vietnam keeps UTC+7 all year (no daylight saving): agency dates are Vietnamese dates. */
const VN_OFFSET_MS = 7 * 3600 * 1000;

export interface Expected {
  /** `dd/mm/yyyy`. */
  date: string;
  /** Working days counted (the catalog's figure, rounded up). */
  days: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The expected result date: `workingDays` working days after the day the agency received the
 * dossier, skipping Saturdays and Sundays (public holidays are not known offline, so the date can
 * move later). Null when the receipt date or the processing time is unknown.
 */
export function expectedResultDate(receivedAt: string | null, workingDays: number | null): Expected | null {
  if (!receivedAt || workingDays === null || !Number.isFinite(workingDays) || workingDays <= 0) return null;
  const t = Date.parse(receivedAt);
  if (Number.isNaN(t)) return null;
  const days = Math.ceil(workingDays);
  if (days > 3650) return null;
  const d = new Date(t + VN_OFFSET_MS);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left -= 1;
  }
  return { date: `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`, days };
}

/** The Vietnamese calendar date of an instant, `dd/mm/yyyy` ('' if unreadable). */
export function vnDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t + VN_OFFSET_MS);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

/** What the user can do next on a sent dossier, each a screen under /sync/dossiers/<id>/. */
export type Action = 'supplement' | 'fee' | 'result' | 'rate' | 'receipt' | 'cancel';

export interface NextActions {
  /** The one big button (what the dossier waits for from the user), if any. */
  primary: Action | null;
  /** Smaller buttons below it. */
  others: Action[];
}

/** The buttons a dossier's page shows for its state. */
export function nextActions(v: DossierView): NextActions {
  const acts: Action[] = [];
  let primary: Action | null = null;
  if (v.state === 'supplement_requested' && v.supplement && v.supplement.resubmit === 'none') primary = 'supplement';
  else if (v.state === 'fee_requested' && v.fee && !v.fee.paid) primary = 'fee';
  else if (v.state === 'completed' && !v.rating) primary = 'rate';
  else if ((v.state === 'result_ready' || v.state === 'completed') && v.result) primary = 'result';
  if (v.result && primary !== 'result') acts.push('result');
  if (v.state === 'supplement_requested' && v.supplement && primary !== 'supplement') acts.push('supplement');
  if (v.fee && primary !== 'fee' && v.state !== 'cancelled') acts.push('fee');
  if (v.code) {
    if (primary === null) primary = 'receipt';
    else acts.push('receipt');
  }
  if (v.can_cancel && v.cancel === 'none') acts.push('cancel');
  return { primary, others: acts.filter((a) => a !== primary) };
}

/** The route of an action's screen. */
export function actionPath(dossierId: string, a: Action): string {
  return `/sync/dossiers/${dossierId}/${a}`;
}

/** The message key of an action's button. */
export function actionKey(a: Action, v: DossierView): string {
  if (a === 'fee' && v.fee && v.fee.claim !== 'none') return 'after.action.fee_view';
  return `after.action.${a}`;
}

/** A supplement item's name as the form shows it (the raw name if the form has no such item). */
export function itemLabel(item: SupplementItem, form: FormDef | null, en: boolean): string {
  if (item.target === 'field') {
    for (const s of form?.sections ?? []) {
      const f = s.fields.find((x) => x.id === item.name);
      if (f) return en ? f.label_en || f.label : f.label;
    }
    return item.name;
  }
  const c = form?.components?.find((x) => x.id === item.kind);
  return c ? (en ? c.name_en || c.name : c.name) : item.kind;
}

/** The named field ids and component ids (null sets = everything reopens). */
export function reopened(items: SupplementItem[]): { fields: Set<string>; components: Set<string> } | null {
  if (items.length === 0) return null;
  const fields = new Set<string>();
  const components = new Set<string>();
  for (const i of items) {
    if (i.target === 'field') fields.add(i.name);
    else components.add(i.kind);
  }
  return { fields, components };
}

/** The components a supplement reopens (all of them when none is named). */
export function reopenedComponents(form: FormDef, items: SupplementItem[]): ComponentDef[] {
  const r = reopened(items);
  const all = form.components ?? [];
  if (!r) return all;
  return all.filter((c) => r.components.has(c.id));
}

/** A rating is 1–5 whole stars; a comment at most 1000 characters. */
export function ratingValid(stars: number, comment: string): boolean {
  return Number.isInteger(stars) && stars >= 1 && stars <= 5 && [...comment].length <= 1000;
}

/** Bytes as a short size: "120 KB", "1,4 MB". */
export function fileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} MB`;
}

const KIND_KEYS: Record<string, string> = {
  payment_claimed: 'after.timeline.payment_claimed',
  resubmitted: 'after.timeline.resubmitted',
  resubmit_queued: 'after.timeline.resubmit_queued',
};

/** The text of a timeline line: what happened when the state alone says too little (a payment
 * claim keeps the state `fee_requested`), else the state. */
export function timelineKey(kind: string, state: string, stateKeyOf: (s: string) => string): string {
  return KIND_KEYS[kind] ?? stateKeyOf(state);
}
