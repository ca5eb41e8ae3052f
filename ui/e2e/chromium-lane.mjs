// The Android-engine lane: the built UI (mock IPC) in headless Chromium at 360×740.
// For every screen, at normal and very large text: screenshot, axe-core (zero serious/critical),
// no horizontal overflow, no request leaving the page's own origin.
// Usage: npm run build:mock && node e2e/chromium-lane.mjs
import { createServer } from 'node:http';
import { readFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { screens } from './screens.mjs';

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

    for (const s of screens) {
      await page.evaluate((p) => (location.hash = p), s.path);
      // `screen`: the screen's data-screen when the screenshot's name differs (a second view of it).
      await page.waitForSelector(`[data-screen="${s.screen ?? s.name}"]`);
      if (s.prepare) await s.prepare(page);
      await page.evaluate(() => document.fonts.ready);
      const file = join(outDir, `${s.name}-${textSize}.png`);
      await page.screenshot({ path: file });

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
        `${s.name.padEnd(16)} ${textSize.padEnd(7)} axe: ${serious.length} serious/critical, ${result.length - serious.length} minor`,
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
} finally {
  await browser.close();
  server.close();
}

console.log('Chromium lane (360×740):');
for (const line of summary) console.log('  ' + line);
console.log(`  screenshots: ${outDir}`);
if (failures.length) {
  console.error('\nFAILED:');
  for (const f of failures) console.error('  ' + f);
  process.exit(1);
}
console.log('  all screens passed');
