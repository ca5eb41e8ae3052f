// The form a scan filled in, handed from the scan screen to the form screen ("edit before saving").
import type { PersonInput } from '../bindings';


export const draft = $state<{ form: PersonInput | null }>({ form: null });

/** Empty strings for missing fields, so inputs bind cleanly. */
export function blankForm(from?: Partial<PersonInput> | null): Required<{ [K in keyof PersonInput]: string }> {
  const keys = [
    'full_name', 'sex', 'date_of_birth', 'place_of_birth', 'id_number', 'old_id_number', 'id_issue_date',
    'phone', 'email', 'permanent_address', 'current_address', 'ethnicity', 'nationality',
  ] as const;
  const out = {} as Record<(typeof keys)[number], string>;
  for (const k of keys) out[k] = (from?.[k] as string | null | undefined) ?? '';
  return out;
}
