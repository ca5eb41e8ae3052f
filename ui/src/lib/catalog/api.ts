// Helpers of the catalog screens (the catalog commands are generated: ../bindings.ts).

/** An SVG illustration as an `<img>` source: a data URL (the CSP allows `data:` images; scripts
 *  inside an SVG shown through `<img>` never run). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** Formats a VND amount the Vietnamese way: 200.000 đ. */
export function formatVnd(amount: number): string {
  return `${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đ`;
}

/** Calls `fn` after `ms` of quiet; each call cancels the previous one. */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...a), ms);
  };
}
