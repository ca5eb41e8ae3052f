import { describe, expect, it } from 'vitest';
import { BANKS, bankLabel, bankOf } from '../src/lib/after/banks';
import {
  actionKey,
  expectedResultDate,
  fileSize,
  formatVnd,
  itemLabel,
  nextActions,
  ratingValid,
  reopened,
  reopenedComponents,
  timelineKey,
  vnDate,
} from '../src/lib/after/logic';
import { vi } from '../src/lib/i18n/vi';
import type { DossierView, FeeView, FormDef, ShownState } from '../src/lib/bindings';

const view = (state: ShownState, extra: Partial<DossierView> = {}): DossierView => ({
  dossier_id: 'd1',
  provenance: { restored: false },
  code: '000.00.00.H00-261123-0007',
  state,
  procedure_id: 'passport-domestic',
  procedure_name: null,
  procedure_name_en: null,
  agency_code: null,
  agency_name: null,
  submitted_at: null,
  received_at: null,
  updated_at: '2026-11-23T00:00:00Z',
  quarantine_reason: null,
  working_days: null,
  processing_text: null,
  processing_text_en: null,
  code_qr_svg: null,
  revision: 1,
  revisions: [],
  fee: null,
  supplement: null,
  result: null,
  rating: null,
  can_cancel: false,
  cancel: 'none',
  pending_actions: [],
  pending_label: null,
  timeline: [],
  ...extra,
});

const fee = (over: Partial<FeeView> = {}): FeeView => ({
  amount_vnd: 200000,
  bank_bin: '970415',
  account_number: '1',
  account_name: 'A',
  transfer_note: 'x',
  requested_at: '2026-11-23T00:00:00Z',
  qr_payload: null,
  qr_svg: null,
  claim: 'none',
  paid: false,
  ...over,
});

describe('money', () => {
  it('groups đồng with dots', () => {
    expect(formatVnd(200000)).toBe('200.000 đ');
    expect(formatVnd(1234567)).toBe('1.234.567 đ');
    expect(formatVnd(999)).toBe('999 đ');
    expect(formatVnd(0)).toBe('0 đ');
  });
  it('refuses amounts that are not whole đồng', () => {
    expect(formatVnd(-1)).toBe('');
    expect(formatVnd(1.5)).toBe('');
    expect(formatVnd(Number.NaN)).toBe('');
  });
});

describe('banks', () => {
  it('knows the common BINs and shows the digits otherwise', () => {
    expect(bankOf('970436')?.short).toBe('Vietcombank');
    expect(bankOf(' 970415 ')?.short).toBe('VietinBank');
    expect(bankLabel('970418')).toBe('BIDV');
    expect(bankOf('999999')).toBeNull();
    expect(bankLabel('999999')).toBe('999999');
  });
  it('has each BIN once, all 6 digits starting 970', () => {
    const bins = BANKS.map((b) => b.bin);
    expect(new Set(bins).size).toBe(bins.length);
    for (const b of bins) expect(b).toMatch(/^970\d{3}$/);
  });
});

describe('expected result date', () => {
  it('counts working days after receipt, skipping weekends (Vietnam time)', () => {
    // Monday 23/11/2026 09:30 in Vietnam.
    expect(expectedResultDate('2026-11-23T02:30:00Z', 8)).toEqual({ date: '03/12/2026', days: 8 });
    // Friday 27/11/2026 → 1 working day later is Monday 30/11.
    expect(expectedResultDate('2026-11-27T03:00:00Z', 1)).toEqual({ date: '30/11/2026', days: 1 });
  });
  it('uses the Vietnamese date even late in the UTC day', () => {
    // 20:00 UTC Friday = 03:00 Saturday in Vietnam: counting starts from Saturday.
    expect(expectedResultDate('2026-11-27T20:00:00Z', 1)).toEqual({ date: '30/11/2026', days: 1 });
    expect(vnDate('2026-11-27T20:00:00Z')).toBe('28/11/2026');
  });
  it('rounds half days up and gives up on unknowns', () => {
    expect(expectedResultDate('2026-11-23T02:30:00Z', 0.5)?.days).toBe(1);
    expect(expectedResultDate(null, 5)).toBeNull();
    expect(expectedResultDate('2026-11-23T02:30:00Z', null)).toBeNull();
    expect(expectedResultDate('garbage', 5)).toBeNull();
    expect(expectedResultDate('2026-11-23T02:30:00Z', 0)).toBeNull();
  });
});

describe('next action per state', () => {
  it('received: the receipt, and cancel while allowed', () => {
    expect(nextActions(view('received', { can_cancel: true }))).toEqual({ primary: 'receipt', others: ['cancel'] });
    expect(nextActions(view('accepted'))).toEqual({ primary: 'receipt', others: [] });
  });
  it('fee asked: pay first; after the claim the button only shows the details', () => {
    const v = view('fee_requested', { fee: fee() });
    expect(nextActions(v).primary).toBe('fee');
    expect(actionKey('fee', v)).toBe('after.action.fee');
    const claimed = view('fee_requested', { fee: fee({ claim: 'queued' }) });
    expect(actionKey('fee', claimed)).toBe('after.action.fee_view');
  });
  it('paid: the receipt first, the fee details still reachable', () => {
    expect(nextActions(view('paid', { fee: fee({ paid: true }) }))).toEqual({ primary: 'receipt', others: ['fee'] });
  });
  it('supplement asked: add what is missing, until it is sent', () => {
    const sup = { note: 'n', items: [], requested_at: 'x', resubmit: 'none' as const };
    expect(nextActions(view('supplement_requested', { supplement: sup, can_cancel: true }))).toEqual({
      primary: 'supplement',
      others: ['receipt', 'cancel'],
    });
    const sent = nextActions(view('supplement_requested', { supplement: { ...sup, resubmit: 'queued' } }));
    expect(sent.primary).toBe('receipt');
    expect(sent.others).toContain('supplement');
  });
  it('result ready: see it; completed: rate first, then the result', () => {
    const result = { method: 'postal' as const, carrier: 'VNPost', tracking_number: 'EA1', ready_at: 'x' };
    expect(nextActions(view('result_ready', { result })).primary).toBe('result');
    expect(nextActions(view('completed', { result }))).toEqual({ primary: 'rate', others: ['result', 'receipt'] });
    const rated = view('completed', { result, rating: { stars: 5, comment: null, state: 'sent' } });
    expect(nextActions(rated)).toEqual({ primary: 'result', others: ['receipt'] });
  });
  it('no cancel button once a cancellation is queued', () => {
    expect(nextActions(view('received', { can_cancel: true, cancel: 'queued' })).others).not.toContain('cancel');
  });
  it('every action has a button text', () => {
    for (const a of ['supplement', 'fee', 'result', 'rate', 'receipt', 'cancel'] as const) {
      expect(Object.prototype.hasOwnProperty.call(vi, actionKey(a, view('received')))).toBe(true);
    }
    expect(Object.prototype.hasOwnProperty.call(vi, 'after.action.fee_view')).toBe(true);
  });
});

describe('supplement items', () => {
  const form = {
    procedure: 'p',
    version: 1,
    title: '',
    title_en: '',
    sections: [{ id: 's', title: '', title_en: '', fields: [{ id: 'addr', kind: 'address', label: 'Địa chỉ', label_en: 'Address', required: true }] }],
    components: [
      { id: 'portrait', name: 'Ảnh chân dung', name_en: 'Portrait', required: true, max_files: 1 },
      { id: 'cccd_front', name: 'CCCD mặt trước', name_en: 'ID front', required: true, max_files: 1 },
    ],
  } as FormDef;
  it('names items as the form does, raw names otherwise', () => {
    expect(itemLabel({ target: 'field', name: 'addr' }, form, false)).toBe('Địa chỉ');
    expect(itemLabel({ target: 'attachment', kind: 'portrait' }, form, true)).toBe('Portrait');
    expect(itemLabel({ target: 'field', name: 'gone' }, form, false)).toBe('gone');
    expect(itemLabel({ target: 'attachment', kind: 'x' }, null, false)).toBe('x');
  });
  it('reopens only the named items; none named reopens everything', () => {
    const items = [{ target: 'attachment' as const, kind: 'portrait' }, { target: 'field' as const, name: 'addr' }];
    expect(reopenedComponents(form, items).map((c) => c.id)).toEqual(['portrait']);
    expect([...(reopened(items)?.fields ?? [])]).toEqual(['addr']);
    expect(reopened([])).toBeNull();
    expect(reopenedComponents(form, []).length).toBe(2);
  });
});

describe('rating and sizes', () => {
  it('accepts 1–5 whole stars and comments up to 1000 characters', () => {
    expect(ratingValid(1, '')).toBe(true);
    expect(ratingValid(5, 'ồ'.repeat(1000))).toBe(true);
    expect(ratingValid(0, '')).toBe(false);
    expect(ratingValid(6, '')).toBe(false);
    expect(ratingValid(2.5, '')).toBe(false);
    expect(ratingValid(3, 'a'.repeat(1001))).toBe(false);
  });
  it('prints file sizes', () => {
    expect(fileSize(1400)).toBe('1 KB');
    expect(fileSize(1536 * 1024)).toBe('1,5 MB');
  });
});

describe('timeline lines', () => {
  it('name a payment claim and a resubmission, else the state', () => {
    const sk = (s: string) => `sync.state.${s}`;
    expect(timelineKey('payment_claimed', 'fee_requested', sk)).toBe('after.timeline.payment_claimed');
    expect(timelineKey('resubmitted', 'received', sk)).toBe('after.timeline.resubmitted');
    expect(timelineKey('paid', 'paid', sk)).toBe('sync.state.paid');
    for (const k of ['after.timeline.payment_claimed', 'after.timeline.resubmitted', 'after.timeline.resubmit_queued'])
      expect(Object.prototype.hasOwnProperty.call(vi, k)).toBe(true);
  });
});
