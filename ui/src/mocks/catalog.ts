// Mock handlers for the catalog commands (src-tauri/src/commands/catalog.rs), on a small excerpt of
// the real bundled data: a few procedures and one guide with its SVG illustrations.
import passport from '../../../assets/catalog/procedures/passport-domestic.json';
import passportLost from '../../../assets/catalog/procedures/passport-lost-report.json';
import birth from '../../../assets/catalog/procedures/birth-registration.json';
import idCard from '../../../assets/catalog/procedures/id-card.json';
import residence from '../../../assets/catalog/procedures/permanent-residence.json';
import guideIndex from '../../../assets/guides/index.json';
import attachPhotos from '../../../assets/guides/attach-photos.json';
import portraitSvg from '../../../assets/guides/img/portrait-4x6.svg?raw';
import documentSvg from '../../../assets/guides/img/document-photo.svg?raw';
import fileSizeSvg from '../../../assets/guides/img/file-size.svg?raw';
import fields from '../../../assets/catalog/fields.json';
import { reject, type Handlers } from './util';
import type { FieldFilter, GuideSummary, GuideView, Procedure, ProcedureView, SearchHit } from '../lib/bindings';

const procedures = [passport, passportLost, birth, idCard, residence] as unknown as Procedure[];
const images: Record<string, string> = {
  'img/portrait-4x6.svg': portraitSvg,
  'img/document-photo.svg': documentSvg,
  'img/file-size.svg': fileSizeSvg,
};

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();

function hit(p: Procedure, score: number): SearchHit {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    name_en: p.name_en,
    summary: p.summary,
    summary_en: p.summary_en,
    field: p.field,
    level: p.level,
    service_level: p.service_level,
    popular: p.popular,
    score,
  };
}

function view(p: Procedure): ProcedureView {
  return {
    ...p,
    field_name: null,
    field_name_en: null,
    agency_name: null,
    agency_name_en: null,
    catalog_version: 'mock',
  };
}

export const handlers = {
  catalog_search: (args) => {
    const query = String(args.query ?? '');
    if (query.length > 200) reject('invalid_input', 'catalog.query_too_long', 'query too long');
    const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (args.field && !fields.some((f) => f.id === args.field)) {
      reject('invalid_input', 'catalog.filter_invalid', 'no such field');
    }
    const pool = procedures.filter(
      (p) =>
        (!args.field || p.field === args.field) &&
        (!args.level || p.level === args.level) &&
        (!args.serviceLevel || p.service_level === args.serviceLevel),
    );
    if (words.length === 0) {
      return [...pool]
        .sort((a, b) => (a.popular ?? 999) - (b.popular ?? 999))
        .map((p) => hit(p, 0));
    }
    return pool
      .map((p) => {
        const title = fold([p.name, ...p.aliases].join(' '));
        const n = words.filter((w) => title.includes(w)).length;
        return { p, score: n / words.length + (p.popular ? 0.1 / p.popular : 0) };
      })
      .filter((x) => x.score >= 0.5)
      .sort((a, b) => b.score - a.score)
      .map((x) => hit(x.p, Math.round(x.score * 1000) / 1000));
  },
  catalog_fields: (): FieldFilter[] => {
    const best = (id: string) =>
      Math.min(...procedures.filter((p) => p.field === id).map((p) => p.popular ?? 999));
    return fields
      .map((f) => ({ ...f, procedures: procedures.filter((p) => p.field === f.id).length }))
      .filter((f) => f.procedures > 0)
      .sort((a, b) => best(a.id) - best(b.id) || b.procedures - a.procedures);
  },
  catalog_show: (args) => {
    const id = String(args.id ?? '');
    const p = procedures.find((x) => x.id === id || x.code === id);
    if (!p) return reject('not_found', 'errors.not_found', `procedure ${id}`);
    return view(p);
  },
  guides_list: (): GuideSummary[] =>
    guideIndex.guides
      .filter((id) => id === attachPhotos.id)
      .map(() => ({
        id: attachPhotos.id,
        title: attachPhotos.title,
        title_en: attachPhotos.title_en,
        audience: attachPhotos.audience as GuideSummary['audience'],
        summary: attachPhotos.summary,
        summary_en: attachPhotos.summary_en,
        steps: attachPhotos.steps.length,
      })),
  guide_show: (args): GuideView => {
    if (args.id !== attachPhotos.id) return reject('not_found', 'errors.not_found', 'guide');
    const used: Record<string, string> = {};
    for (const path of [attachPhotos.cover, ...attachPhotos.steps.map((s) => s.image)]) {
      if (path && images[path]) used[path] = images[path];
    }
    return { ...(attachPhotos as unknown as Omit<GuideView, 'images'>), images: used };
  },
} satisfies Handlers;
