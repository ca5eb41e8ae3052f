// DTOs of the catalog commands (src-tauri/src/commands/catalog.rs, dvc_core::catalog).

export type Level = 'commune' | 'province' | 'ministry' | 'other';
export type ServiceLevel = 'full' | 'partial';

export interface SearchHit {
  id: string;
  code: string | null;
  name: string;
  name_en: string;
  summary: string;
  summary_en: string;
  field: string;
  level: Level;
  service_level: ServiceLevel;
  popular: number | null;
  score: number;
}

/** A field (lĩnh vực) as a filter chip: only fields with procedures, most used first. */
export interface FieldFilter {
  id: string;
  name_vi: string;
  name_en: string;
  procedures: number;
}

export interface SearchArgs {
  query: string;
  limit?: number;
  field?: string | null;
  level?: Level | null;
  serviceLevel?: ServiceLevel | null;
}

export interface Step {
  text: string;
  text_en: string;
}

export type PhotoProfile = 'portrait_4x6' | 'cccd_front' | 'cccd_back' | 'document';

export interface DossierComponent {
  name: string;
  name_en: string;
  form: 'original' | 'copy' | 'certified_copy' | 'original_or_copy' | 'electronic';
  count: number;
  required: boolean;
  photo_profile: PhotoProfile | null;
  note: string | null;
  note_en?: string | null;
}

export interface FeeItem {
  channel: 'in_person' | 'online' | 'any';
  amount_vnd: number | null;
  text: string;
  text_en: string;
}

export interface Procedure {
  id: string;
  code: string | null;
  name: string;
  name_en: string;
  aliases: string[];
  field: string;
  level: Level;
  agency_type: string;
  service_level: ServiceLevel;
  popular: number | null;
  summary: string;
  summary_en: string;
  who: string;
  who_en?: string;
  steps: Step[];
  components: DossierComponent[];
  processing_time: { text: string; text_en: string; working_days: number | null };
  fees: { status: 'paid' | 'free' | 'unknown'; items: FeeItem[]; basis: string | null };
  delivery: ('online' | 'in_person' | 'postal')[];
  where: string;
  where_en?: string;
  legal_basis: string[];
  source: { title: string; url: string }[];
  verified_at: string;
  linked: string[] | null;
}

export interface ProcedureView extends Procedure {
  field_name: string | null;
  field_name_en: string | null;
  agency_name: string | null;
  agency_name_en: string | null;
  catalog_version: string;
}

export interface GuideSummary {
  id: string;
  title: string;
  title_en: string;
  audience: 'citizen' | 'volunteer';
  summary: string;
  summary_en: string;
  steps: number;
}

export interface GuideStep {
  text: string;
  text_en: string;
  image: string | null;
  image_alt?: string | null;
  image_alt_en?: string | null;
}

export interface GuideView {
  id: string;
  title: string;
  title_en: string;
  audience: 'citizen' | 'volunteer';
  summary: string;
  summary_en: string;
  cover: string | null;
  steps: GuideStep[];
  tips?: { text: string; text_en: string }[];
  related_procedures?: string[];
  source: { title: string; url: string }[];
  verified_at: string;
  /** `img/….svg` → SVG text. */
  images: Record<string, string>;
}
