// Dates as people in Vietnam write them: dd/mm/yyyy. The store and the Rust side keep ISO
// (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when a card gives only part of the date); the UI shows
// and accepts dd/mm/yyyy (also mm/yyyy and yyyy), and the native date picker's ISO value.

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function valid(y: number, m?: number, d?: number): boolean {
  if (y < 1000 || y > 9999) return false;
  if (m === undefined) return true;
  if (m < 1 || m > 12) return false;
  if (d === undefined) return true;
  return d >= 1 && d <= daysIn(y, m);
}

/** ISO (full or partial) → dd/mm/yyyy, mm/yyyy or yyyy. Empty → ''. Anything else unchanged. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = ISO.exec(iso.trim());
  if (!m) return iso;
  const [, y, mo, d] = m;
  if (d) return `${d}/${mo}/${y}`;
  if (mo) return `${mo}/${y}`;
  return y ?? iso;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * What a person typed (dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ddmmyyyy, mm/yyyy, yyyy) or
 * a date picker's ISO value → ISO. Returns `null` for empty input and `undefined` when the text is
 * not a real date (31/02/2024, 13/2020, 12/5).
 */
export function parseDate(text: string | null | undefined): string | null | undefined {
  const s = (text ?? '').trim();
  if (!s) return null;
  const iso = ISO.exec(s);
  if (iso) {
    const [, y, mo, d] = iso;
    return valid(Number(y), mo ? Number(mo) : undefined, d ? Number(d) : undefined) ? s : undefined;
  }
  let m = /^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(s) ?? /^(\d{2})(\d{2})(\d{4})$/.exec(s);
  if (m) {
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return valid(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : undefined;
  }
  m = /^(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(s);
  if (m) {
    const [mo, y] = [Number(m[1]), Number(m[2])];
    return valid(y, mo) ? `${y}-${pad(mo)}` : undefined;
  }
  return undefined;
}

/**
 * The value to send for a typed date: ISO when it reads as a date, null when empty, otherwise the
 * text as typed — so the Rust validators reject it with their plain message (one source of truth).
 */
export function dateForApi(text: string | null | undefined): string | null {
  const iso = parseDate(text);
  if (iso === undefined) return (text ?? '').trim();
  return iso;
}

/** A full ISO date for a native `<input type="date">` (which cannot hold partial dates). */
export function pickerValue(iso: string | null | undefined): string {
  return iso && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso : '';
}

/** Today's local date as ISO. */
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Whether a paper's expiry date (ISO, maybe partial) has passed: a paper valid "until 2030" or
 * "until 06/2030" is valid to the end of that year or month.
 */
export function isExpired(expiry: string | null | undefined, now: Date = new Date()): boolean {
  if (!expiry || !ISO.test(expiry)) return false;
  const today = todayIso(now);
  return expiry < today.slice(0, expiry.length);
}
