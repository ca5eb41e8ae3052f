// Shows a PDF offline: pdf.js (bundled, loaded only when a PDF is opened) draws each page on a
// canvas. The webviews cannot show a PDF inline (WebKitGTK shows nothing, Android's WebView has no
// PDF viewer), so the app does not rely on them.

/** Renders every page of `bytes` into `into` (one canvas per page, `width` CSS pixels wide). */
export async function renderPdf(bytes: Uint8Array, into: HTMLElement, width: number, pageLabel: (n: number, total: number) => string): Promise<number> {
  // The legacy build carries its own polyfills: old Android WebViews and WebKitGTK lack some of
  // the newest JavaScript the modern build uses.
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const worker = await import('pdfjs-dist/legacy/build/pdf.worker.min.mjs?url');
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  // pdf.js takes ownership of the buffer: give it a copy.
  // Pages are drawn on this thread (no second renderer worker to ship); fonts the file does not
  // embed fall back to the system's.
  const task = pdfjs.getDocument({ data: bytes.slice(), useSystemFonts: true, disableWorkerRendering: true });
  const doc = await task.promise;
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  into.replaceChildren();
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const scale = width / base.width;
    const vp = page.getViewport({ scale: scale * dpr });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(vp.width);
    canvas.height = Math.floor(vp.height);
    canvas.style.width = '100%';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', pageLabel(n, doc.numPages));
    canvas.dataset.page = String(n);
    into.appendChild(canvas);
    await page.render({ canvas, viewport: vp }).promise;
  }
  const pages = doc.numPages;
  await task.destroy();
  return pages;
}
