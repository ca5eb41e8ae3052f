// Synthetic data for component tests, shaped by the generated bindings.
import type { Household, Person, Settings } from '../../src/lib/bindings';

const AT = '2026-11-23T10:00:00Z';

export function person(id: string, fields: Partial<Person>): Person {
  return {
    id,
    full_name: '',
    full_name_upper: (fields.full_name ?? '').toUpperCase(),
    sex: null,
    date_of_birth: null,
    place_of_birth: null,
    id_number: null,
    old_id_number: null,
    id_issue_date: null,
    phone: null,
    email: null,
    permanent_address: null,
    current_address: null,
    ethnicity: null,
    nationality: null,
    created_at: AT,
    updated_at: AT,
    ...fields,
  };
}

export function household(id: string, name: string, members: number): Household {
  return { id, name, address: null, member_count: members, created_at: AT, updated_at: AT };
}

export function settings(fields: Partial<Settings> = {}): Settings {
  return {
    language: 'vi',
    text_size: 'normal',
    last_route: null,
    lock_timeout_minutes: 5,
    lock_wipe_after: 10,
    lock_prompted: false,
    retention_days: 30,
    ...fields,
  };
}
