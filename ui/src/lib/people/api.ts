// Typed calls for people, households, documents and CCCD scanning. Images travel as raw bytes
// (the request body), never as JSON arrays of numbers.
import { invoke } from '@tauri-apps/api/core';
import { call, toApiError } from '../api';
import type {
  DocumentKind,
  FieldError,
  Household,
  HouseholdDetail,
  Person,
  PersonDetail,
  PersonDocument,
  PersonInput,
  Relation,
  ScanResult,
} from './types';

async function invokeRaw<T>(cmd: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<T> {
  try {
    return await invoke<T>(cmd, body, { headers });
  } catch (e) {
    throw toApiError(e);
  }
}

const bytes = async (file: Blob) => new Uint8Array(await file.arrayBuffer());

export const peopleApi = {
  list: (query?: string) => call<Person[]>('person_list', { query: query || null }),
  get: (id: string) => call<PersonDetail>('person_get', { id }),
  add: (input: PersonInput) => call<Person>('person_add', { input }),
  update: (id: string, input: PersonInput) => call<Person>('person_update', { id, input }),
  remove: (id: string) => call<{ documents_deleted: number }>('person_delete', { id, confirmed: true }),
  check: (input: PersonInput) => call<FieldError[]>('person_check', { input }),
  parseCccd: (payload: string) => call<ScanResult>('cccd_parse', { payload }),
  scanImage: async (file: Blob) => invokeRaw<ScanResult>('cccd_scan_image', await bytes(file)),
  addDocument: async (personId: string, kind: DocumentKind, file: Blob) =>
    invokeRaw<PersonDocument>('document_add', await bytes(file), { 'x-person-id': personId, 'x-kind': kind }),
  thumbnail: (id: string) => call<ArrayBuffer>('document_thumbnail', { id }),
  households: () => call<Household[]>('household_list'),
  household: (id: string) => call<HouseholdDetail>('household_get', { id }),
  addHousehold: (name: string, address: string) =>
    call<Household>('household_add', { name, address: address.trim() || null }),
  setMember: (householdId: string, personId: string, relation: Relation) =>
    call<HouseholdDetail>('household_set_member', { householdId, personId, relation }),
  removeMember: (householdId: string, personId: string) =>
    call<HouseholdDetail>('household_remove_member', { householdId, personId }),
  deleteDocument: (id: string) => call<null>('document_delete', { id }),
  /** Dates as ISO (possibly partial); '' or null clears. */
  setDocumentDates: (id: string, issueDate: string | null, expiryDate: string | null) =>
    call<PersonDocument>('document_set_dates', { id, issueDate: issueDate || null, expiryDate: expiryDate || null }),
};
