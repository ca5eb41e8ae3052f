// DTOs of the dossier commands (src-tauri/src/commands/dossier.rs, dvc_core::dossier).

export type FieldKind =
  | 'text'
  | 'number'
  | 'date'
  | 'select'
  | 'multi_select'
  | 'checkbox'
  | 'phone'
  | 'email'
  | 'id_number'
  | 'address'
  | 'bank_account'
  | 'person_ref';

export type FieldValue = string | number | boolean | string[] | null;

export interface Choice {
  value: string;
  label: string;
  label_en: string;
}

export interface Condition {
  field: string;
  equals?: FieldValue;
  any_of?: FieldValue[];
}

export interface FormField {
  id: string;
  kind: FieldKind;
  label: string;
  label_en: string;
  required: boolean;
  help?: string | null;
  help_en?: string | null;
  options?: Choice[];
  options_from?: string | null;
  visible_if?: Condition | null;
  prefill?: string | null;
  min?: number | null;
  max?: number | null;
  max_len?: number | null;
  date_rule?: 'past' | 'future' | 'any' | null;
  uppercase?: boolean;
}

export interface Section {
  id: string;
  title: string;
  title_en: string;
  help?: string | null;
  help_en?: string | null;
  fields: FormField[];
}

export interface ComponentDef {
  id: string;
  name: string;
  name_en: string;
  required: boolean;
  photo_profile?: string | null;
  max_files: number;
  prefill?: string | null;
  visible_if?: Condition | null;
  help?: string | null;
  help_en?: string | null;
}

export interface FormDef {
  procedure: string;
  version: number;
  title: string;
  title_en: string;
  sections: Section[];
  components: ComponentDef[];
}

export interface ProvinceOption {
  code: string;
  name: string;
  name_en: string;
}

export type DossierState = 'draft' | 'queued';

export interface Attachment {
  component: string;
  position: number;
  document_id: string;
  sha256: string;
  bytes: number;
  prefilled: boolean;
}

export interface Dossier {
  id: string;
  procedure_id: string;
  form_version: number;
  applicant_id: string | null;
  helper: string | null;
  state: DossierState;
  revision: number;
  values: Record<string, FieldValue>;
  prefilled: string[];
  attachments: Attachment[];
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
}

export interface Problem {
  /** `fields.<id>` or `components.<id>`. */
  path: string;
  message_key: string;
  /** Section id, or `components`. */
  section: string;
}

export interface DraftView {
  dossier: Dossier;
  form: FormDef;
  provinces: ProvinceOption[];
  problems: Problem[];
  applicant_name: string | null;
  procedure_name: string | null;
}

export interface CheckResult {
  complete: boolean;
  problems: Problem[];
  revision: number;
}

export interface DossierOverview {
  id: string;
  procedure_id: string;
  applicant_id: string | null;
  state: DossierState;
  revision: number;
  updated_at: string;
  procedure_name: string | null;
  procedure_name_en: string | null;
  applicant_name: string | null;
  percent: number;
}

export interface Queued {
  dossier_id: string;
  revision: number;
  outbox_id: string;
  idempotency_key: string;
}

export interface AttachedPhoto {
  revision: number;
  document_id: string;
  sha256: string;
  width: number;
  height: number;
  bytes: number;
}
