// Typed calls for the catalog commands.
import { call } from '../api';
import type {
  FieldFilter,
  GuideSummary,
  GuideView,
  ProcedureView,
  SearchArgs,
  SearchHit,
} from './types';

export const catalogApi = {
  search: (a: SearchArgs) =>
    call<SearchHit[]>('catalog_search', {
      query: a.query,
      limit: a.limit ?? 20,
      field: a.field ?? null,
      level: a.level ?? null,
      serviceLevel: a.serviceLevel ?? null,
    }),
  fields: () => call<FieldFilter[]>('catalog_fields'),
  show: (id: string) => call<ProcedureView>('catalog_show', { id }),
  guides: () => call<GuideSummary[]>('guides_list'),
  guide: (id: string) => call<GuideView>('guide_show', { id }),
};

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
