// Calls of the photo tool. `photo_prepare` takes the raw image bytes as the request body (the kind
// and crop travel in headers), so a 4 MB photo is not turned into a JSON array of numbers.
import { invoke } from '@tauri-apps/api/core';
import { toApiError } from '../api';
import { cropHeader } from './crop';

export type PhotoKind = 'portrait' | 'cccd-front' | 'cccd-back' | 'document';
export const PHOTO_KINDS: PhotoKind[] = ['portrait', 'cccd-front', 'cccd-back', 'document'];

export interface PhotoCrop {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PhotoCheck {
  name: 'resolution' | 'exposure' | 'sharpness' | 'background' | 'card_fill';
  result: 'pass' | 'warn' | 'fail';
  message_key: string;
  value: number;
}

/** Same shape as dvc_core::photo::Prepared. */
export interface PreparedPhoto {
  profile: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  checks: PhotoCheck[];
  overall: 'pass' | 'warn' | 'fail';
  source_width: number;
  source_height: number;
  crop: PhotoCrop;
  quality: number;
  millis: number;
}

export const photoApi = {
  async prepare(kind: PhotoKind, bytes: Uint8Array, crop?: PhotoCrop | null): Promise<PreparedPhoto> {
    const headers: Record<string, string> = { 'x-photo-kind': kind };
    if (crop) headers['x-photo-crop'] = cropHeader(crop);
    try {
      return await invoke<PreparedPhoto>('photo_prepare', bytes, { headers });
    } catch (e) {
      throw toApiError(e);
    }
  },
  /** The prepared JPEG's bytes. */
  async jpeg(sha256: string): Promise<ArrayBuffer> {
    try {
      const r = await invoke<ArrayBuffer | number[]>('photo_jpeg', { sha256 });
      return r instanceof ArrayBuffer ? r : new Uint8Array(r).buffer;
    } catch (e) {
      throw toApiError(e);
    }
  },
};
