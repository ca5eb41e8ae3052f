// Calls of the photo tool. `photo_prepare` takes the raw image bytes as the request body (the kind
// and crop travel in headers), so a 4 MB photo is not turned into a JSON array of numbers.
import { commands, invokeRaw } from '../api';
import type { Crop, Prepared } from '../bindings';
import { cropHeader } from './crop';

/** The kinds the photo tool offers (the `x-photo-kind` header). */
export type PhotoKind = 'portrait' | 'cccd-front' | 'cccd-back' | 'document';
export const PHOTO_KINDS: PhotoKind[] = ['portrait', 'cccd-front', 'cccd-back', 'document'];

/** Runs the photo pipeline; the JPEG stays in memory for `jpeg`. */
export function prepare(kind: PhotoKind, bytes: Uint8Array, crop?: Crop | null): Promise<Prepared> {
  const headers: Record<string, string> = { 'x-photo-kind': kind };
  if (crop) headers['x-photo-crop'] = cropHeader(crop);
  return invokeRaw('photo_prepare', bytes, headers);
}

/** The prepared JPEG's bytes. */
export async function jpeg(sha256: string): Promise<ArrayBuffer> {
  const r: ArrayBuffer | number[] = await commands.photo_jpeg(sha256);
  return r instanceof ArrayBuffer ? r : new Uint8Array(r).buffer;
}
