// Mock of the photo commands for the Chromium lane (same contracts as
// src-tauri/src/commands/photo.rs). The mock cannot see the request headers, so it answers as
// for a portrait: it reads the real picture size, crops 2:3 in the centre, and "prepares" the
// photo by handing the original back as the preview.
import type { Prepared } from '../lib/bindings';
import { reject, type Handlers } from './util';

let last: { sha256: string; bytes: Uint8Array } | null = null;

async function size(bytes: Uint8Array): Promise<{ w: number; h: number }> {
  const bmp = await createImageBitmap(new Blob([bytes as BlobPart]));
  const s = { w: bmp.width, h: bmp.height };
  bmp.close();
  return s;
}

export const handlers = {
  photo_prepare: async (args) => {
    const bytes = args as unknown as Uint8Array;
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) reject('photo_empty', 'photo.error_empty', 'empty body');
    let dims: { w: number; h: number };
    try {
      dims = await size(bytes);
    } catch {
      return reject('photo_not_image', 'photo.error_not_image', 'not an image');
    }
    const width = Math.min(dims.w, Math.round((dims.h * 2) / 3));
    const height = Math.round((width * 3) / 2);
    const sha256 = `mock${bytes.length.toString(16).padStart(60, '0')}`;
    last = { sha256, bytes };
    const result: Prepared = {
      profile: 'portrait_4x6',
      width: 600,
      height: 900,
      bytes: 84_211,
      sha256,
      checks: [
        { name: 'resolution', result: 'warn', message_key: 'photo.resolution_low', value: 0.1 },
        { name: 'exposure', result: 'pass', message_key: 'photo.exposure_ok', value: 160 },
        { name: 'sharpness', result: 'pass', message_key: 'photo.sharpness_ok', value: 300 },
        { name: 'background', result: 'pass', message_key: 'photo.background_ok', value: 240 },
      ],
      overall: 'warn',
      source_width: dims.w,
      source_height: dims.h,
      crop: { x: Math.round((dims.w - width) / 2), y: Math.round((dims.h - height) / 2), width, height },
      quality: 88,
      millis: 42,
    };
    return result;
  },
  photo_jpeg: (args) => {
    if (!last || args.sha256 !== last.sha256) return reject('not_found', 'errors.not_found', 'no such photo');
    return last.bytes.slice().buffer;
  },
} satisfies Handlers;
