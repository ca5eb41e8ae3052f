// Lists the people screens offer, typed by the generated shapes (../bindings.ts: Person,
// PersonInput, PersonDocument, Household, ScanResult …).
import type { DocumentKind, Relation } from '../bindings';

/** The kinds a user may pick for a paper (a result file is stored by the sync client only). */
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

export const RELATIONS: Relation[] = ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other'];
