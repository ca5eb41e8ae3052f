// Every screen the Chromium lane visits (and screenshots, and checks with axe-core).
// Later features add their screens here. `prepare(page)` may click through to reach the screen;
// `screen` names the data-screen to wait for when it is not `name` (another view of a screen).
export const screens = [
  { name: 'procedures', path: '/procedures' },
  { name: 'dossiers', path: '/dossiers' },
  { name: 'people', path: '/people' },
  { name: 'sync', path: '/sync' },
  { name: 'settings', path: '/settings' },
  { name: 'catalog-search', path: '/procedures?q=1', prepare: async (page) => {
      await page.fill('[data-testid="catalog-search"]', 'lam ho chieu');
      await page.waitForSelector('[data-id="passport-domestic"]');
    } },
  { name: 'catalog-procedure', path: '/procedures/passport-domestic' },
  { name: 'catalog-guides', path: '/procedures/guides' },
  { name: 'catalog-guide', path: '/procedures/guides/attach-photos' },
  { name: 'people-scan', path: '/people/scan' },
  { name: 'person-form', path: '/people/new' },
  { name: 'person-profile', path: '/people/01a2f000-0000-7000-8000-000000000001' },
  { name: 'person-edit', screen: 'person-form', path: '/people/01a2f000-0000-7000-8000-000000000001/edit', prepare: async (page) => {
      await page.waitForFunction(
        () => document.querySelector('[data-testid="field-full_name"]')?.value === 'Nguyễn Thị Mẫu',
      );
    } },
  { name: 'household', path: '/people/households/01a2f000-0000-7000-8000-0000000000a1' },
  { name: 'catalog-filters', path: '/procedures?f=1', prepare: async (page) => {
      await page.click('[data-testid="field-chips"] [data-field="civil-status"]');
      await page.waitForSelector('[data-field="civil-status"][aria-pressed="true"]');
      await page.waitForFunction(() => {
        const ids = [...document.querySelectorAll('[data-testid=catalog-results] [data-id]')];
        return ids.length > 0 && ids.every((b) => b.dataset.field === 'civil-status');
      });
    } },
  { name: 'sync-timeline', path: '/sync/dossiers/0193a1b2-0000-7000-8000-000000000003' },
  { name: 'handoff', path: '/people/01a2f000-0000-7000-8000-000000000001/handoff' },
  { name: 'handoff-qr', screen: 'handoff', path: '/people/01a2f000-0000-7000-8000-000000000001/handoff', prepare: async (page) => {
      await page.click('[data-testid="handoff-make"]');
      await page.waitForSelector('[data-testid="handoff-qr"] svg');
    } },
  { name: 'handoff-receive', path: '/people/receive' },
  { name: 'handoff-received', screen: 'handoff-receive', path: '/people/receive', prepare: async (page) => {
      await page.fill('[data-testid="receive-key"]', 'DVCH1.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
      await page.click('[data-testid="receive-key-use"]');
      await page.setInputFiles('[data-testid="receive-file"]', { name: 'ban-giao.dvch', mimeType: 'application/octet-stream', buffer: Buffer.from('DVCHAND') });
      await page.waitForSelector('[data-testid="receive-summary"]');
    } },
  // After "Nhận hồ sơ khác" on the same screen: the key read, step 2 offers the network or a file.
  { name: 'handoff-receive-key', screen: 'handoff-receive', path: '/people/receive', prepare: async (page) => {
      await page.click('[data-testid="receive-again"]');
      await page.fill('[data-testid="receive-key"]', 'DVCH1.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
      await page.click('[data-testid="receive-key-use"]');
      await page.waitForSelector('[data-testid="receive-online"]');
    } },
];

// ---- photo tool: a generated portrait-shaped PNG is chosen, the checks show.
import { deflateSync } from 'node:zlib';

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A synthetic 300×420 RGB PNG: light background, a dark head-and-shoulders shape. */
export function syntheticPortraitPng(w = 300, h = 420) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const head = ((x - w / 2) / (w * 0.22)) ** 2 + ((y - h * 0.42) / (h * 0.2)) ** 2 <= 1;
      const body = ((x - w / 2) / (w * 0.48)) ** 2 + ((y - h * 1.05) / (h * 0.3)) ** 2 <= 1;
      const c = head ? [214, 172, 142] : body ? [35, 45, 80] : [246, 246, 244];
      raw.set(c, y * (w * 3 + 1) + 1 + x * 3);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

screens.push({
  name: 'photo-tool',
  path: '/dossiers/photo',
  prepare: async (page) => {
    await page.setInputFiles('[data-photo-input]', {
      name: 'chan-dung.png',
      mimeType: 'image/png',
      buffer: syntheticPortraitPng(),
    });
    await page.waitForSelector('[data-photo-check="background"]');
    await page.waitForSelector('[data-photo-preview]');
    await page.evaluate(() => document.querySelector('[data-photo-checks]').scrollIntoView({ block: 'end' }));
  },
});

// ---- draft dossiers: list, applicant picker, a form step, papers, checklist, read-only.
const DRAFT = '01a2f000-0000-7000-8000-0000000000d1';
const QUEUED = '01a2f000-0000-7000-8000-0000000000d2';
screens.push(
  { name: 'dossier-list', path: '/dossiers' },
  { name: 'dossier-new', path: '/dossiers/new/passport-domestic', prepare: async (page) => {
      await page.click('[data-person="01a2f000-0000-7000-8000-000000000001"]');
    } },
  { name: 'dossier-step', path: `/dossiers/${DRAFT}/step/1`, prepare: async (page) => {
      await page.waitForSelector('[data-field="full_name"]');
    } },
  { name: 'dossier-papers', path: `/dossiers/${DRAFT}/step/5`, prepare: async (page) => {
      await page.waitForSelector('[data-component="portrait"]');
    } },
  { name: 'dossier-submission', path: `/dossiers/${DRAFT}/step/6`, prepare: async (page) => {
      await page.waitForSelector('[data-field="declaration"]');
    } },
  { name: 'dossier-checklist', path: `/dossiers/${DRAFT}/check`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="checklist"]');
    } },
  { name: 'dossier-queued', path: `/dossiers/${QUEUED}`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="dossier-readonly"]');
    } },
);

// ---- after submission: receipt, fee with its VietQR, supplement, result PDF, rating,
// cancel, and the timeline's next-action button.
const SENT = '0193a1b2-0000-7000-8000-000000000003';
const FEE = '0193a1b2-0000-7000-8000-000000000004';
const RESULT = '0193a1b2-0000-7000-8000-000000000005';
const POSTAL = '0193a1b2-0000-7000-8000-000000000006';
screens.push(
  { name: 'after-receipt', path: `/sync/dossiers/${SENT}/receipt`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="receipt-qr"] svg');
    } },
  { name: 'after-fee', path: `/sync/dossiers/${FEE}/fee`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="fee-qr"] svg');
      const amount = await page.textContent('[data-testid="fee-amount"]');
      if (amount?.trim() !== '200.000 đ') throw new Error(`fee amount shows "${amount}"`);
      const bank = await page.textContent('[data-testid="fee-bank"]');
      if (!bank?.includes('VietinBank')) throw new Error(`bank shows "${bank}"`);
    } },
  { name: 'after-actions-fee', path: `/sync/dossiers/${FEE}`, prepare: async (page) => {
      await page.waitForSelector('[data-action="fee"]');
    } },
  { name: 'after-supplement', path: `/sync/dossiers/01a2f000-0000-7000-8000-0000000000d1/supplement`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="supplement-note"]');
      await page.waitForSelector('[data-field="permanent_address"]');
      await page.waitForSelector('[data-component="portrait"]');
      if (await page.$('[data-field="full_name"]')) throw new Error('a field the officer did not name is editable');
    } },
  { name: 'after-result', path: `/sync/dossiers/${RESULT}/result`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="result-pdf"] canvas[data-page="1"]', { timeout: 15000 });
    } },
  { name: 'after-result-postal', path: `/sync/dossiers/${POSTAL}/result`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="result-tracking"]');
    } },
  { name: 'after-rate', path: `/sync/dossiers/${POSTAL}/rate`, prepare: async (page) => {
      await page.click('[data-star="4"]');
    } },
  { name: 'after-cancel', path: `/sync/dossiers/${SENT}/cancel`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="cancel-start"]');
    } },
  // Filing for someone else (issue 18): the consent-by-code screen once the code was sent, and
  // the citizen's "Người hỗ trợ của tôi".
  { name: 'consent-request', path: '/people/01a2f000-0000-7000-8000-000000000001/consent', prepare: async (page) => {
      await page.waitForSelector('[data-testid="consent-send"]:not([disabled])');
      await page.click('[data-testid="consent-send"]');
      await page.waitForSelector('[data-testid="consent-text"]');
    } },
  { name: 'consent-grant', path: '/sync/consents', prepare: async (page) => {
      await page.waitForSelector('[data-testid="grant-give"]');
    } },
  { name: 'volunteer-qr', path: '/sync/volunteer-qr', prepare: async (page) => {
      await page.waitForSelector('[data-testid="volunteer-qr"] svg');
    } },
  // The volunteer's report (mocks/visits.ts): this month's counts and the six tasks' bars.
  { name: 'report', path: '/sync/report', prepare: async (page) => {
      await page.waitForSelector('[data-testid="report-visits"]');
      await page.click('[data-testid="report-month"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="report-visits"]')?.textContent === '14');
    } },
  // "Tra cứu hồ sơ" (mocks/dossier.ts): a wrong second factor is the plain "not found"; the right
  // one shows the state and the steps.
  { name: 'dossier-lookup', path: '/dossiers/lookup', prepare: async (page) => {
      await page.fill('[data-testid="lookup-code"]', '000.00.00.H00-261130-0007');
      await page.fill('[data-testid="lookup-factor"]', '1234');
      await page.click('[data-testid="lookup-go"]');
      await page.waitForSelector('[data-testid="lookup-error"]');
      await page.fill('[data-testid="lookup-factor"]', '6789');
      await page.click('[data-testid="lookup-go"]');
      await page.waitForSelector('[data-testid="lookup-found"][data-state="fee_requested"]');
    } },
  // The leader's team report (mocks/visits.ts): the team's week with each member's line, and a
  // campaign with its targets.
  { name: 'team-report', path: '/sync/report/team', prepare: async (page) => {
      await page.click('[data-testid="team-week"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="team-visits"]')?.textContent === '15');
      await page.waitForSelector('[data-testid="team-volunteers"]');
    } },
  { name: 'team-report-campaign', screen: 'team-report', path: '/sync/report/team', prepare: async (page) => {
      await page.click('[data-testid="team-campaign"]');
      await page.waitForSelector('[data-testid="team-targets"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="team-visits"]')?.textContent === '42');
    } },
);

// ---- accounts: sign-in (signed out), register, code entry with its countdown, forgotten and
// changed passwords, devices, switching server by QR (mocks/account.ts).
screens.push(
  { name: 'account-register', path: '/sync/register', prepare: async (page) => {
      await page.waitForSelector('[data-testid="password-rules"]');
      await page.fill('[data-testid="reg-phone"]', '0900000123');
      await page.fill('[data-testid="reg-id-number"]', '001190012345');
      await page.fill('[data-testid="reg-full-name"]', 'Nguyễn Thị Thử');
      await page.fill('[data-testid="reg-birth-date"]', '31/05/1990');
      // Too short: refused on the device, before any request.
      await page.fill('[data-testid="reg-password"]', 'ngan');
      await page.click('[data-testid="reg-submit"]');
      await page.waitForSelector('[data-testid="reg-error"]');
    } },
  { name: 'account-otp', path: '/sync/verify', prepare: async (page) => {
      await page.evaluate(() => (location.hash = '/sync/register'));
      await page.fill('[data-testid="reg-phone"]', '0900000123');
      await page.fill('[data-testid="reg-id-number"]', '001190012345');
      await page.fill('[data-testid="reg-full-name"]', 'Nguyễn Thị Thử');
      await page.fill('[data-testid="reg-birth-date"]', '31/05/1990');
      await page.fill('[data-testid="reg-password"]', 'mat-khau-dai-1');
      await page.click('[data-testid="reg-submit"]');
      await page.waitForSelector('[data-testid="otp-intro"]');
      await page.waitForSelector('[data-testid="otp-resend"]:disabled');
      const mode = await page.getAttribute('[data-testid="otp-code"]', 'inputmode');
      if (mode !== 'numeric') throw new Error(`code field inputmode ${mode}`);
      await page.fill('[data-testid="otp-code"]', '12-345');
      const v = await page.inputValue('[data-testid="otp-code"]');
      if (v !== '12345') throw new Error(`code field keeps "${v}"`);
    } },
  { name: 'account-forgot', path: '/sync/forgot', prepare: async (page) => {
      await page.fill('[data-testid="forgot-phone"]', '0900000123');
      await page.click('[data-testid="forgot-send"]');
      await page.waitForSelector('[data-testid="forgot-notice"]');
    } },
  { name: 'account-password', path: '/sync/password' },
  { name: 'account-devices', path: '/sync/devices', prepare: async (page) => {
      await page.waitForSelector('[data-current="true"]');
      await page.waitForSelector('[data-testid="device-sign-out"]');
    } },
  { name: 'account-server', path: '/sync/server', prepare: async (page) => {
      await page.waitForSelector('[data-testid="server-current"]');
      // Sign out on the sync screen (the mock starts signed in), for the sign-in form next.
      await page.evaluate(() => (location.hash = '/sync'));
      await page.click('[data-testid="sync-logout"]');
      await page.waitForSelector('[data-testid="sign-in"]');
      await page.evaluate(() => (location.hash = '/sync/server'));
      await page.waitForSelector('[data-testid="server-current"]');
    } },
  { name: 'account-sign-in', path: '/sync', prepare: async (page) => {
      await page.waitForSelector('[data-testid="account-register"]');
      await page.waitForSelector('[data-testid="account-forgot"]');
      const shown = await page.textContent('[data-testid="sync-server-shown"]');
      if (!shown?.includes('https://dvc.example.vn')) throw new Error(`server shows "${shown}"`);
      if (await page.$('input[type="url"]')) throw new Error('the sign-in form asks for a server address');
    } },
);

// ---- a volunteer's field work (issue 19, mocks/visits.ts): signed in as the demo volunteer,
// "Cần quay lại" on the home screen, the household's visit button and past visits, a visit with
// ticks per person and an outcome, ending it with a follow-up date, and the report's CSV.
const HOUSEHOLD = '01a2f000-0000-7000-8000-0000000000a1';
/** Scrolls so the top of `css` sits just under the fixed top bar. */
const under = (page, css) =>
  page.evaluate((css) => {
    const bar = document.querySelector('header.top-bar')?.getBoundingClientRect().height ?? 80;
    window.scrollBy(0, document.querySelector(css).getBoundingClientRect().top - bar - 12);
  }, css);
screens.push(
  { name: 'volunteer-sync', screen: 'sync', path: '/sync', prepare: async (page) => {
      if (await page.$('[data-testid="sync-logout"]')) {
        await page.click('[data-testid="sync-logout"]');
      }
      await page.waitForSelector('[data-testid="sync-login"]:not([disabled])');
      await page.fill('[data-testid="sync-phone"]', '0900000002');
      await page.fill('[data-testid="sync-password"]', 'tinhnguyen-demo-2026');
      await page.click('[data-testid="sync-login"]');
      await page.waitForSelector('[data-testid="sync-report"]');
    } },
  { name: 'follow-ups', screen: 'procedures', path: '/procedures', prepare: async (page) => {
      await page.waitForSelector(`[data-testid="follow-ups"] [data-household="${HOUSEHOLD}"]`);
      const text = await page.textContent('[data-testid="follow-ups"]');
      if (!text?.includes('Hộ bà Mẫu') || !text.includes('27/11/2026')) throw new Error(`follow-ups show "${text}"`);
    } },
  { name: 'household-visits', screen: 'household', path: `/people/households/${HOUSEHOLD}`, prepare: async (page) => {
      await page.waitForSelector('[data-testid="household-visit-start"][data-open="false"]');
      await page.waitForSelector('[data-testid="household-visits"] [data-visit]');
      await under(page, '[data-screen="household-visits"]');
    } },
  // Started from the household: the second visit of the mock (…e2).
  { name: 'visit-tasks', screen: 'household', path: `/people/households/${HOUSEHOLD}`, prepare: async (page) => {
      await page.click('[data-testid="household-visit-start"]');
      await page.waitForSelector('[data-screen="visit"] [data-testid="visit-tasks"]');
      await page.click('[data-testid="visit-who"] [data-person="01a2f000-0000-7000-8000-000000000001"]');
      await page.waitForSelector('[data-testid="visit-tasks"][data-who="01a2f000-0000-7000-8000-000000000001"]');
      await page.click('[data-testid="visit-task-vneid"]');
      await page.click('[data-testid="visit-task-cashless"]');
      await page.fill('[data-testid="visit-outcome-vneid"]', 'Đã kích hoạt mức 2');
      await page.$eval('[data-testid="visit-outcome-vneid"]', (el) => el.blur());
      await page.waitForSelector('[data-testid="visit-save"][data-save="saved"]');
      const pressed = await page.$$('[data-testid="visit-tasks"] [aria-pressed="true"]');
      if (pressed.length !== 2) throw new Error(`${pressed.length} tasks ticked`);
      await under(page, '#visit-who-h');
    } },
  { name: 'visit-end', screen: 'visit', path: '/people/visits/01a2f000-0000-7000-8000-0000000000e2', prepare: async (page) => {
      await page.waitForSelector('[data-testid="visit-end"]');
      await page.fill('[data-testid="visit-notes"]', 'Hẹn hướng dẫn bà nộp hồ sơ cấp đổi CCCD.');
      await page.click('[data-testid="visit-follow-up-7"]');
      await page.waitForSelector('[data-testid="visit-follow-up-7"][aria-pressed="true"]');
      await page.click('[data-testid="visit-end"]');
      await page.waitForSelector('[data-testid="visit-end-yes"]');
      await under(page, 'label[for="visit-follow-up"]');
    } },
  { name: 'visit-ended', screen: 'visit', path: '/people/visits/01a2f000-0000-7000-8000-0000000000e2', prepare: async (page) => {
      await page.click('[data-testid="visit-end-yes"]');
      await page.waitForSelector('[data-testid="visit-ended"]');
      await page.waitForSelector('[data-testid="visit-follow-up-shown"]');
    } },
  { name: 'report-csv', screen: 'report', path: '/sync/report', prepare: async (page) => {
      await page.click('[data-testid="report-csv"]');
      await page.waitForSelector('[data-testid="report-csv-saved"]');
      await under(page, '[data-testid="report-csv"]');
    } },
);
