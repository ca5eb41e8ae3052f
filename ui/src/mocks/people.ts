// Mock handlers for people, households, documents and CCCD scanning (Chromium lane only).
// Same contracts as src-tauri/src/commands/people.rs. All data synthetic.
import { reject, type Handlers } from './util';
import type { Household, HouseholdDetail, Person, PersonInput, Relation, ScanResult } from '../lib/bindings';

const now = '2026-11-23T10:00:00.000Z';
const HID = '01a2f000-0000-7000-8000-0000000000a1';

function person(id: string, input: PersonInput): Person {
  return {
    id,
    full_name: input.full_name ?? '',
    full_name_upper: (input.full_name ?? '').toUpperCase(),
    sex: (input.sex as Person['sex']) ?? null,
    date_of_birth: input.date_of_birth ?? null,
    place_of_birth: input.place_of_birth ?? null,
    id_number: input.id_number ?? null,
    old_id_number: input.old_id_number ?? null,
    id_issue_date: input.id_issue_date ?? null,
    phone: input.phone ?? null,
    email: input.email ?? null,
    permanent_address: input.permanent_address ?? null,
    current_address: input.current_address ?? null,
    ethnicity: input.ethnicity ?? null,
    nationality: input.nationality ?? null,
    created_at: now,
    updated_at: now,
  };
}

const people: Person[] = [
  person('01a2f000-0000-7000-8000-000000000001', {
    full_name: 'Nguyễn Thị Mẫu',
    sex: 'female',
    date_of_birth: '1958-04-12',
    id_number: '001158000001',
    phone: '0912000001',
    permanent_address: 'Số 1 Ngõ Thử, Phường Mẫu, Hà Nội',
    nationality: 'Việt Nam',
  }),
  person('01a2f000-0000-7000-8000-000000000002', {
    full_name: 'Trần Văn Thử',
    sex: 'male',
    date_of_birth: '1985-09-30',
    id_number: '079085000002',
  }),
];

const households: Household[] = [
  { id: HID, name: 'Hộ bà Mẫu', address: 'Số 1 Ngõ Thử', member_count: 2, created_at: now, updated_at: now },
];

const members: Record<string, HouseholdDetail['members']> = {
  [HID]: [
    { person_id: '01a2f000-0000-7000-8000-000000000001', full_name: 'Nguyễn Thị Mẫu', relation: 'head' },
    { person_id: '01a2f000-0000-7000-8000-000000000002', full_name: 'Trần Văn Thử', relation: 'child' },
  ],
};

function detail(id: unknown): HouseholdDetail {
  const h = households.find((x) => x.id === id) ?? reject('not_found', 'errors.not_found', 'household');
  const m = members[h.id] ?? [];
  return { ...h, member_count: m.length, members: m };
}

const scan: ScanResult = {
  card: {
    id_number: '079185000003',
    old_id_number: null,
    full_name: 'Lê Thị Quét Thử',
    date_of_birth: '1985-06-05',
    sex: 'female',
    address: 'Số 9 Đường Mẫu, Phường Thử, TP. Hồ Chí Minh',
    issue_date: '2021-04-20',
    warnings: [],
  },
  form: {
    full_name: 'Lê Thị Quét Thử',
    sex: 'female',
    date_of_birth: '1985-06-05',
    id_number: '079185000003',
    id_issue_date: '2021-04-20',
    permanent_address: 'Số 9 Đường Mẫu, Phường Thử, TP. Hồ Chí Minh',
    nationality: 'Việt Nam',
  },
  warning_keys: [],
};

function check(input: PersonInput): { field: string; message_key: string }[] {
  const out: { field: string; message_key: string }[] = [];
  if (!input.full_name?.trim()) out.push({ field: 'full_name', message_key: 'validation.name_empty' });
  const phone = (input.phone ?? '').replace(/[\s.-]/g, '');
  if (phone && !/^(0|\+84)[35789]\d{8}$/.test(phone)) out.push({ field: 'phone', message_key: 'validation.phone_invalid' });
  const id = input.id_number?.trim();
  if (id && !/^\d{12}$/.test(id)) out.push({ field: 'id_number', message_key: 'validation.id_number_format' });
  return out;
}

const find = (id: unknown) => people.find((p) => p.id === id) ?? reject('not_found', 'errors.not_found', 'person');

export const handlers = {
  person_list: (args) => {
    const q = String(args.query ?? '').toLowerCase();
    return people.filter((p) => !q || p.full_name.toLowerCase().includes(q) || (p.id_number ?? '').includes(q));
  },
  person_get: (args) => ({ ...find(args.id), documents: [], households: args.id === people[0]?.id ? households : [] }),
  person_check: (args) => check(args.input as PersonInput),
  person_add: (args) => {
    const input = args.input as PersonInput;
    const errs = check(input);
    if (errs[0]) reject('invalid_input', errs[0].message_key, errs[0].field);
    const p = person(`01a2f000-0000-7000-8000-${String(people.length + 1).padStart(12, '0')}`, input);
    people.push(p);
    return p;
  },
  person_update: (args) => {
    const p = find(args.id);
    Object.assign(p, person(p.id, args.input as PersonInput));
    return p;
  },
  person_delete: (args) => {
    const i = people.findIndex((p) => p.id === args.id);
    if (i < 0) reject('not_found', 'errors.not_found', 'person');
    people.splice(i, 1);
    return { documents_deleted: 0, files_deleted: 0, dossiers_deleted: 0 };
  },
  cccd_parse: () => scan,
  cccd_scan_image: () => scan,
  document_add: () => reject('internal', 'errors.internal', 'mock has no documents'),
  document_thumbnail: () => new ArrayBuffer(0),
  document_delete: () => null,
  household_list: () => households.map((h) => ({ ...h, member_count: members[h.id]?.length ?? 0 })),
  household_get: (args) => detail(args.id),
  household_add: (args) => {
    const name = String(args.name ?? '').trim();
    if (!name) reject('invalid_input', 'people.household_name_empty', 'name');
    const h: Household = {
      id: `01a2f000-0000-7000-8000-0000000000${(0xa1 + households.length).toString(16)}`,
      name,
      address: (args.address as string | null) ?? null,
      member_count: 0,
      created_at: now,
      updated_at: now,
    };
    households.push(h);
    members[h.id] = [];
    return h;
  },
  household_set_member: (args) => {
    const d = detail(args.householdId);
    const p = find(args.personId);
    const list = (members[d.id] = (members[d.id] ?? []).filter((m) => m.person_id !== p.id));
    list.push({ person_id: p.id, full_name: p.full_name, relation: args.relation as Relation });
    return detail(d.id);
  },
  household_remove_member: (args) => {
    const d = detail(args.householdId);
    members[d.id] = (members[d.id] ?? []).filter((m) => m.person_id !== args.personId);
    return detail(d.id);
  },
  document_set_dates: () => reject('not_found', 'errors.not_found', 'document'),
} satisfies Handlers;
