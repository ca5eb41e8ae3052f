// Draws the receipt as a PNG on a canvas, offline: title, the dossier code large, the details and
// the QR of the code. Answers the PNG's bytes.

export interface ReceiptPicture {
  title: string;
  code: string;
  rows: [string, string][];
  qrSvg: string | null;
  footer: string;
}

const W = 720;
const PAD = 40;

function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (ctx.measureText(next).width <= width || !line) line = next;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  // A single word wider than the line (a long code) is cut by characters.
  return lines.flatMap((l) => {
    if (ctx.measureText(l).width <= width) return [l];
    const out: string[] = [];
    let cur = '';
    for (const ch of l) {
      if (ctx.measureText(cur + ch).width > width && cur) {
        out.push(cur);
        cur = ch;
      } else cur += ch;
    }
    out.push(cur);
    return out;
  });
}

function loadSvg(svg: string): Promise<HTMLImageElement | null> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => resolve(null);
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}

const FONT = "'Be Vietnam Pro', system-ui, sans-serif";

/** The receipt as a PNG. */
export async function drawReceipt(r: ReceiptPicture): Promise<Uint8Array> {
  const qr = r.qrSvg ? await loadSvg(r.qrSvg) : null;
  const measure = document.createElement('canvas').getContext('2d');
  if (!measure) throw new Error('no 2d canvas');
  const inner = W - 2 * PAD;
  // Layout first (to know the height), then paint.
  type Op = { font: string; color: string; lines: string[]; lh: number; gap: number };
  const ops: Op[] = [];
  const add = (font: string, color: string, text: string, lh: number, gap: number) => {
    measure.font = font;
    ops.push({ font, color, lines: wrap(measure, text, inner), lh, gap });
  };
  add(`700 40px ${FONT}`, '#073f78', r.title, 52, 16);
  add(`800 44px ${FONT}`, '#1a1d21', r.code, 56, 24);
  for (const [label, value] of r.rows) {
    add(`400 26px ${FONT}`, '#4a5563', label, 34, 2);
    add(`700 30px ${FONT}`, '#1a1d21', value, 40, 18);
  }
  const qrSize = qr ? 360 : 0;
  let h = PAD;
  for (const o of ops) h += o.lines.length * o.lh + o.gap;
  h += qr ? qrSize + 24 : 0;
  measure.font = `400 22px ${FONT}`;
  const footer = wrap(measure, r.footer, inner);
  h += footer.length * 30 + PAD;

  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = Math.ceil(h);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, canvas.height);
  ctx.fillStyle = '#0b5cad';
  ctx.fillRect(0, 0, W, 12);
  ctx.textBaseline = 'top';
  let y = PAD;
  for (const o of ops) {
    ctx.font = o.font;
    ctx.fillStyle = o.color;
    for (const l of o.lines) {
      ctx.fillText(l, PAD, y);
      y += o.lh;
    }
    y += o.gap;
  }
  if (qr) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(qr, (W - qrSize) / 2, y, qrSize, qrSize);
    y += qrSize + 24;
  }
  ctx.font = `400 22px ${FONT}`;
  ctx.fillStyle = '#4a5563';
  for (const l of footer) {
    ctx.fillText(l, PAD, y);
    y += 30;
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the canvas gave no PNG');
  return new Uint8Array(await blob.arrayBuffer());
}
