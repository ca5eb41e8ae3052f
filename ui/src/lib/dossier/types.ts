// Shapes the form screens add to the generated ones (../bindings.ts: FormDef, Field, Dossier,
// DraftView, Problem …).

import type { Value } from '../bindings';

/** A field's value as the form screens edit it (a stored value is any JSON `Value`). */
export type FieldValue = string | number | boolean | string[] | null;

/** Whether a stored value is one the form screens edit. */
export function isFieldValue(v: Value | undefined): v is FieldValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** A dossier's stored values as the form screens edit them; anything else (never written by this
 *  app) is left out. */
export function fieldValues(values: { [key in string]: Value }): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(values)) if (isFieldValue(v)) out[k] = v;
  return out;
}
