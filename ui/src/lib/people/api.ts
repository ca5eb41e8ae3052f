// The people calls that send raw bytes (the request body), never JSON arrays of numbers: a photo
// of a CCCD to scan, a paper to store. The other people commands are generated (../bindings.ts).
import { invokeRaw } from '../api';
import type { DocumentKind, PersonDocument, ScanResult } from '../bindings';

const bytes = async (file: Blob) => new Uint8Array(await file.arrayBuffer());

/** Decodes the QR code in a photo of the card. */
export async function scanImage(file: Blob): Promise<ScanResult> {
  return invokeRaw('cccd_scan_image', await bytes(file));
}

/** Stores a paper of a person, encrypted. */
export async function addDocument(personId: string, kind: DocumentKind, file: Blob): Promise<PersonDocument> {
  return invokeRaw('document_add', await bytes(file), { 'x-person-id': personId, 'x-kind': kind });
}
