// The dossier call that sends a photo as the raw request body, with the dossier, component and
// crop in headers. The other dossier commands are generated (../bindings.ts).
import { invokeRaw } from '../api';
import type { AttachedPhoto, Crop } from '../bindings';
import { cropHeader } from '../photo/crop';

/** Runs the photo pipeline on the original and attaches the result to the dossier. */
export function attachPhoto(id: string, component: string, original: Uint8Array, crop: Crop | null): Promise<AttachedPhoto> {
  const headers: Record<string, string> = { 'x-dossier-id': id, 'x-component': component };
  if (crop) headers['x-photo-crop'] = cropHeader(crop);
  return invokeRaw('draft_attach_photo', original, headers);
}
