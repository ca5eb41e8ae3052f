// Typed calls of the dossier commands. Photos travel as the raw request body with the dossier,
// component and crop in headers.
import { invoke } from '@tauri-apps/api/core';
import { call, toApiError } from '../api';
import type { PhotoCrop } from '../photo/api';
import { cropHeader } from '../photo/crop';
import type {
  AttachedPhoto,
  CheckResult,
  Dossier,
  DossierOverview,
  DraftView,
  FieldValue,
  FormDef,
  ProvinceOption,
  Queued,
} from './types';

export interface FieldChange {
  field: string;
  value: FieldValue;
}

export const dossierApi = {
  form: (procedure: string) => call<{ form: FormDef; provinces: ProvinceOption[] }>('dossier_form', { procedure }),
  create: (procedure: string, person: string | null) => call<Dossier>('draft_new', { procedure, person }),
  set: (id: string, changes: FieldChange[]) => call<number>('draft_set', { id, changes }),
  async attachPhoto(id: string, component: string, original: Uint8Array, crop: PhotoCrop | null): Promise<AttachedPhoto> {
    const headers: Record<string, string> = { 'x-dossier-id': id, 'x-component': component };
    if (crop) headers['x-photo-crop'] = cropHeader(crop);
    try {
      return await invoke<AttachedPhoto>('draft_attach_photo', original, { headers });
    } catch (e) {
      throw toApiError(e);
    }
  },
  attachDocument: (id: string, component: string, documentId: string) =>
    call<number>('draft_attach_document', { id, component, documentId }),
  detach: (id: string, component: string, position: number) => call<number>('draft_detach', { id, component, position }),
  check: (id: string) => call<CheckResult>('draft_check', { id }),
  submit: (id: string) => call<Queued>('draft_submit', { id }),
  list: () => call<DossierOverview[]>('draft_list'),
  show: (id: string) => call<DraftView>('draft_show', { id }),
  remove: (id: string) => call<void>('draft_delete', { id }),
};
