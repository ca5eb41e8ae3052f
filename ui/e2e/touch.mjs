// The 48 px touch-target check of the Chromium lane: every visible button, link, input, select
// (and textarea, summary, role=button/link) must offer a tap area of at least 48×48 CSS px. A
// control's tap area is its own box or, when larger, the box of a <label> that belongs to it
// (tapping the label works the control: the radio cards, the sex choice). Sizes are rounded to
// the nearest pixel (layout gives 47.99 for 3rem on some zoom levels). Controls that are not
// drawn (display none, visibility hidden, zero size, clipped away by a visually-hidden class)
// are not targets; a transparent control that covers a button (the date picker) is.

/** Deliberate exceptions, kept short: a selector and why it may be smaller. */
export const TOUCH_EXEMPT = [];

/** Runs in the page (serialised by Playwright: self-contained). Returns the offenders. */
export function smallTargets(exempt) {
  const MIN = 48;
  const controls = document.querySelectorAll(
    'button, a[href], input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="link"]',
  );
  const out = [];
  for (const el of controls) {
    if (exempt.some((e) => el.matches(e.selector))) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // Visually hidden (clipped away, e.g. a file input worked through its label): nothing to tap.
    if (/^rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)$/.test(style.clip) || style.clipPath === 'inset(50%)') continue;
    const own = el.getBoundingClientRect();
    if (own.width === 0 || own.height === 0) continue; // not rendered
    const boxes = [own, ...[...(el.labels ?? [])].map((l) => l.getBoundingClientRect())];
    const best = boxes.reduce((a, b) => (Math.min(b.width, b.height) > Math.min(a.width, a.height) ? b : a));
    const w = Math.round(best.width);
    const h = Math.round(best.height);
    if (w >= MIN && h >= MIN) continue;
    const testid = el.getAttribute('data-testid');
    const id = testid ? `[data-testid=${testid}]` : el.id ? `#${el.id}` : '';
    const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 32);
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const type = el.getAttribute('type') ? `[type=${el.getAttribute('type')}]` : '';
    out.push({ what: `${el.tagName.toLowerCase()}${type}${id || cls} "${name}"`, w, h });
  }
  return out;
}
