// Shapes the form screens add to the generated ones (../bindings.ts: FormDef, Field, Dossier,
// DraftView, Problem …).

import type { Value } from '../bindings';

/** A plain (non-group) field's value as the form screens edit it. */
export type CellValue = string | number | boolean | string[] | null;

/** One row of a repeatable group: its fields' values by field id. */
export type GroupRow = Record<string, CellValue>;

/** A field's value as the form screens edit it (a stored value is any JSON `Value`); a group's
 *  value is its list of rows. */
export type FieldValue = CellValue | GroupRow[];

function isCell(v: Value | undefined): v is CellValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isRow(v: Value | undefined): v is GroupRow {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => isCell(x as Value))
  );
}

/** Whether a stored value is one the form screens edit. */
export function isFieldValue(v: Value | undefined): v is FieldValue {
  if (isCell(v)) return true;
  return Array.isArray(v) && v.every((x) => isRow(x as Value));
}

/** A group's rows from its value (anything else: no rows). */
export function rowsOf(v: FieldValue | undefined): GroupRow[] {
  return Array.isArray(v) && v.every((x) => isRow(x as Value)) ? (v as GroupRow[]) : [];
}

/** A dossier's stored values as the form screens edit them; anything else (never written by this
 *  app) is left out. */
export function fieldValues(values: { [key in string]: Value }): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(values)) if (isFieldValue(v)) out[k] = v;
  return out;
}
