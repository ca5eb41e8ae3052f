// The Android-engine lane: the built UI (mock IPC) in headless Chromium at 360×740.
// For every screen, at normal and very large text: screenshot, axe-core (zero serious/critical),
// no horizontal overflow, no request leaving the page's own origin, every visible button, link,
// input and select at least 48×48 CSS px. At normal text, the screenshot at one pixel per CSS
// pixel is compared with its baseline (e2e/baselines/, see e2e/compare.mjs). Every route of the
// router (src/routes.ts) must be shown by some screen of e2e/screens.mjs.
// The page's clock is fixed (FIXED_TIME) so dates and countdowns look the same on every run.
// Usage: npm run build:mock && node e2e/chromium-lane.mjs [--update-baselines]
//   --update-baselines (or DVC_UPDATE_BASELINES=1): write the screenshots that differ as the new
//   baselines and delete baselines of screens that are gone, instead of failing on them.
//   DVC_LANE_ONLY=people,settings: only those screens (while working on them; the route and
//   baseline completeness checks are skipped, so the full lane must still pass).
import { createServer } from 'node:http';
import { readFileSync, existsSync, mkdirSync, statSync, readdirSync, rmSync } from 'node:fs';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { screens } from './screens.mjs';
import { routeOf, routePatterns, unvisited } from './routes.mjs';
import { compareWithBaseline, writeBaseline } from './compare.mjs';
import { TOUCH_EXEMPT, smallTargets } from './touch.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', 'dist-mock');
const outDir = resolve(here, '..', '..', 'target', 'chromium-screenshots');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(join(root, 'index.html'))) {
  console.error(`no mock build at ${root}: run "npm run build:mock" first`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const baselineDir = resolve(here, 'baselines');
const diffDir = join(outDir, 'diff');
rmSync(diffDir, { recursive: true, force: true });
mkdirSync(diffDir, { recursive: true });
mkdirSync(baselineDir, { recursive: true });
const updateBaselines =
  process.argv.includes('--update-baselines') || process.env.DVC_UPDATE_BASELINES === '1';
// The mocks' data is dated around late November 2026; a fixed clock keeps "today", follow-up
// dates and countdowns (and so the screenshots) the same on every run.
const FIXED_TIME = new Date('2026-11-23T03:00:00Z');

// Every route of the router must be on the lane's list (checked again below with the routes the
// screens really showed).
const patterns = routePatterns();
const listed = unvisited(patterns, screens.map((s) => s.path));
if (listed.length) {
  console.error('Chromium lane: routes of src/routes.ts that no screen of e2e/screens.mjs visits:');
  for (const r of listed) console.error(`  ${r}`);
  console.error('Add a screen for each (name, path, and prepare if it needs a click to show).');
  process.exit(1);
}
const only = (process.env.DVC_LANE_ONLY ?? '').split(',').filter(Boolean);
const visit = only.length ? screens.filter((s) => only.includes(s.name)) : screens;
if (only.length && visit.length !== only.length) {
  console.error(`DVC_LANE_ONLY: unknown screen in ${only.join(',')}`);
  process.exit(2);
}
if (only.length && updateBaselines) {
  // Screens depend on what the screens before them did (the sync badge, sign-in): baselines come
  // only from the whole lane.
  console.error('DVC_LANE_ONLY and --update-baselines do not go together: update with the whole lane');
  process.exit(2);
}
const names = screens.map((s) => s.name);
const dup = names.filter((n, i) => names.indexOf(n) !== i);
if (dup.length) {
  console.error(`Chromium lane: screen names used twice in e2e/screens.mjs: ${dup.join(', ')}`);
  process.exit(1);
}

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.json': 'application/json',
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let p = resolve(root, '.' + decodeURIComponent(url.pathname));
  if (!p.startsWith(root)) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(p) || statSync(p).isDirectory()) p = join(root, 'index.html');
  res.writeHead(200, { 'content-type': types[extname(p)] ?? 'application/octet-stream' });
  res.end(readFileSync(p));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const failures = [];
const summary = [];
const shown = new Set();
const baselineNotes = [];
/** Waits until the screen has finished loading: no "Đang tải…" left and no DOM change for a
 *  moment (screens load their data after they show; a screenshot must not catch them halfway). */
const settle = async (page, name) => {
  try {
    await page.waitForFunction(() => !/Đang tải…|Loading…/.test(document.body.innerText), null, { timeout: 10000 });
  } catch {
    failures.push(`${name}: still shows "Đang tải…" after 10 s`);
  }
  await page.evaluate(
    () =>
      new Promise((done) => {
        let quiet;
        const finish = () => {
          observer.disconnect();
          clearTimeout(quiet);
          done();
        };
        const observer = new MutationObserver(() => {
          clearTimeout(quiet);
          quiet = setTimeout(finish, 300);
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        quiet = setTimeout(finish, 300);
        setTimeout(finish, 5000);
      }),
  );
};
/** Records the route the page shows now (the router's first match for the hash). */
const noteRoute = async (page) => {
  const r = routeOf(patterns, await page.evaluate(() => location.hash.slice(1)));
  if (r) shown.add(String(r));
};
try {
  for (const textSize of ['normal', 'xlarge']) {
    const context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
    });
    const page = await context.newPage();
    await page.clock.setFixedTime(FIXED_TIME);
    const foreign = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
        foreign.push(r.url());
    });
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    await page.goto(`${origin}/#/settings`);
    await page.waitForSelector('html[data-ready="true"]');
    if (textSize !== 'normal') {
      await page.click(`[data-testid="size-${textSize}"]`, { force: true });
      await page.waitForSelector(`html[data-text-size="${textSize}"]`);
    }

    for (const s of visit) {
      await page.evaluate((p) => (location.hash = p), s.path);
      // `screen`: the screen's data-screen when the screenshot's name differs (a second view of it).
      await page.waitForSelector(`[data-screen="${s.screen ?? s.name}"]`);
      await noteRoute(page);
      if (s.prepare) await s.prepare(page);
      await noteRoute(page);
      await settle(page, s.name);
      await page.evaluate(() => document.fonts.ready);
      const file = join(outDir, `${s.name}-${textSize}.png`);
      await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });

      let pixels = '';
      if (textSize === 'normal') {
        // One pixel per CSS pixel (360×740) against the checked-in baseline.
        // A busy machine can leave a screen mid-update after `settle`: a differing shot is taken
        // again (after settling again) up to twice before it counts.
        const cssShot = () => page.screenshot({ scale: 'css', animations: 'disabled', caret: 'hide' });
        const baseline = join(baselineDir, `${s.name}.png`);
        if (updateBaselines) {
          let shot = await cssShot();
          // Write only a settled screen: two shots in a row alike.
          for (let again = 0; again < 3; again++) {
            await settle(page, s.name);
            const next = await cssShot();
            if (next.equals(shot)) break;
            shot = next;
          }
          if (writeBaseline(shot, baseline)) baselineNotes.push(`wrote ${s.name}.png`);
        } else {
          const diffFile = join(diffDir, `${s.name}.png`);
          let c = compareWithBaseline(await cssShot(), baseline, diffFile);
          for (let again = 0; again < 2 && c.status === 'differs'; again++) {
            await settle(page, s.name);
            c = compareWithBaseline(await cssShot(), baseline, diffFile);
          }
          if (c.status === 'same') rmSync(diffFile, { force: true });
          pixels = `, ${c.diffPixels} px off baseline`;
          if (c.status === 'missing') {
            failures.push(`${s.name}: no screenshot baseline; run ./x test ui --update-baselines, look at e2e/baselines/${s.name}.png and commit it`);
          } else if (c.status !== 'same') {
            failures.push(`${s.name}: screenshot differs from its baseline: ${c.message}`);
          }
        }
      }

      const small = await page.evaluate(smallTargets, TOUCH_EXEMPT);
      for (const t of small) {
        failures.push(`${s.name}/${textSize}: touch target ${t.what} is ${t.w}×${t.h} px (< 48×48)`);
      }

      const overflow = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        view: window.innerWidth,
      }));
      if (overflow.scroll > overflow.view) {
        failures.push(`${s.name}/${textSize}: page is ${overflow.scroll}px wide at ${overflow.view}px`);
      }

      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
        });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
        }));
      });
      const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of serious) {
        failures.push(`${s.name}/${textSize}: axe ${v.impact} ${v.id} — ${v.help} at ${v.nodes.join(', ')}`);
      }
      summary.push(
        `${s.name.padEnd(16)} ${textSize.padEnd(7)} axe: ${serious.length} serious/critical, ${result.length - serious.length} minor${pixels}`,
      );
    }
    if (textSize === 'normal') {
      // Canary: the harness must be able to fail. An unnamed button has to be reported.
      const canary = await page.evaluate(async () => {
        const b = document.createElement('button');
        b.id = 'axe-canary';
        document.body.appendChild(b);
        // eslint-disable-next-line no-undef
        const r = await axe.run(b, { runOnly: { type: 'rule', values: ['button-name'] } });
        b.remove();
        return r.violations.map((v) => v.id);
      });
      if (!canary.includes('button-name')) failures.push('axe canary: an unnamed button was not reported');
    }
    if (foreign.length) failures.push(`requests left the app (${textSize}): ${foreign.join(', ')}`);
    if (consoleErrors.length) failures.push(`page errors (${textSize}): ${consoleErrors.join(' | ')}`);
    await context.close();
  }
  for (const r of only.length ? [] : patterns) {
    if (!shown.has(String(r))) failures.push(`route ${r} was never shown (check its screen's path and prepare)`);
  }
  const expected = new Set(screens.map((s) => `${s.name}.png`));
  for (const f of only.length ? [] : readdirSync(baselineDir)) {
    if (!f.endsWith('.png') || expected.has(f)) continue;
    if (updateBaselines) {
      rmSync(join(baselineDir, f));
      baselineNotes.push(`deleted ${f} (no such screen)`);
    } else {
      failures.push(`baseline e2e/baselines/${f} belongs to no screen: run ./x test ui --update-baselines`);
    }
  }
} finally {
  await browser.close();
  server.close();
}

console.log('Chromium lane (360×740):');
for (const line of summary) console.log('  ' + line);
console.log(`  screenshots: ${outDir}`);
console.log(`  routes shown: ${shown.size} of ${patterns.length}`);
if (updateBaselines) {
  console.log(`  baselines (${baselineDir}): ${baselineNotes.length ? '' : 'all unchanged'}`);
  for (const n of baselineNotes) console.log(`    ${n}`);
}
if (failures.length) {
  console.error('\nFAILED:');
  for (const f of failures) console.error('  ' + f);
  process.exit(1);
}
console.log('  all screens passed');
