// DTOs of src-tauri/src/commands/people.rs (dvc-core people, documents, cccd).
export type Sex = 'male' | 'female';

export interface PersonInput {
  full_name: string;
  sex?: string | null;
  date_of_birth?: string | null;
  place_of_birth?: string | null;
  id_number?: string | null;
  old_id_number?: string | null;
  id_issue_date?: string | null;
  phone?: string | null;
  email?: string | null;
  permanent_address?: string | null;
  current_address?: string | null;
  ethnicity?: string | null;
  nationality?: string | null;
}

export interface Person {
  id: string;
  full_name: string;
  full_name_upper: string;
  sex: Sex | null;
  date_of_birth: string | null;
  place_of_birth: string | null;
  id_number: string | null;
  old_id_number: string | null;
  id_issue_date: string | null;
  phone: string | null;
  email: string | null;
  permanent_address: string | null;
  current_address: string | null;
  ethnicity: string | null;
  nationality: string | null;
  created_at: string;
  updated_at: string;
}

export type DocumentKind =
  | 'cccd_front'
  | 'cccd_back'
  | 'portrait'
  | 'birth_certificate'
  | 'passport'
  | 'driving_licence'
  | 'health_insurance_card'
  | 'other';

export const DOCUMENT_KINDS: DocumentKind[] = [
  'cccd_front',
  'cccd_back',
  'portrait',
  'birth_certificate',
  'passport',
  'driving_licence',
  'health_insurance_card',
  'other',
];

export interface PersonDocument {
  id: string;
  person_id: string;
  kind: DocumentKind;
  sha256: string;
  size: number;
  media_type: string;
  issue_date: string | null;
  expiry_date: string | null;
  created_at: string;
}

export type Relation = 'head' | 'spouse' | 'child' | 'parent' | 'grandchild' | 'sibling' | 'other';

export const RELATIONS: Relation[] = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other'];

export interface Household {
  id: string;
  name: string;
  address: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

export interface HouseholdDetail extends Household {
  members: { person_id: string; full_name: string; relation: Relation }[];
}

export interface PersonDetail extends Person {
  documents: PersonDocument[];
  households: Household[];
}

export interface FieldError {
  field: string;
  message_key: string;
}

export interface CccdCard {
  id_number: string;
  old_id_number: string | null;
  full_name: string;
  date_of_birth: string;
  sex: Sex;
  address: string;
  issue_date: string;
  warnings: string[];
}

export interface ScanResult {
  card: CccdCard;
  form: PersonInput;
  warning_keys: string[];
}
