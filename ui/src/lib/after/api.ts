// The after-submission calls that are more than a generated command (../bindings.ts): the result
// file as bytes with its type, and the receipt picture sent as the raw body.
import { commands, invokeRaw } from '../api';
import type { ResultFile } from './types';

/** The received result file, from the applicant's documents. */
export async function resultFile(dossierId: string, contentType: string): Promise<ResultFile> {
  const buf = await commands.after_result_file(dossierId);
  return { contentType, bytes: new Uint8Array(buf) };
}

/** Saves the receipt picture (PNG bytes) as a new file in the app's receipts folder; answers its path. */
export function saveReceipt(dossierId: string, png: Uint8Array): Promise<string> {
  return invokeRaw('after_save_receipt', png, { 'x-dossier-id': dossierId });
}
