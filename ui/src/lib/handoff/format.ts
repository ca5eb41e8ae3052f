// Sizes shown on the hand-off screen, in the user's language ("1,5 MB" in Vietnamese).

/** A file size in B, KB or MB (powers of 1024), with at most one decimal. */
export function formatBytes(bytes: number, lang: 'vi' | 'en' = 'vi'): string {
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  const locale = lang === 'vi' ? 'vi-VN' : 'en-GB';
  const fmt = (v: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1, useGrouping: false }).format(v);
  if (n < 1024) return `${fmt(n)} B`;
  if (n < 1024 * 1024) return `${fmt(n / 1024)} KB`;
  return `${fmt(n / (1024 * 1024))} MB`;
}
