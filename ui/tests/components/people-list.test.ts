// @vitest-environment jsdom
// The people list screen with a fake backend: what it shows from `person_list` and
// `household_list`, what the search and the taps send, and the error banner when a command fails.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PeopleScreen from '../../src/screens/PeopleScreen.svelte';
import type { Person } from '../../src/lib/bindings';
import { reject } from '../../src/mocks/util';
import { fakeBackend, type FakeBackend } from './backend';
import { household, person, settings } from './fixtures';

const MAU = person('01a2f000-0000-7000-8000-0000000000b1', {
  full_name: 'Nguyễn Thị Mẫu',
  id_number: '001158000001',
  date_of_birth: '1958-04-12',
});
const THU = person('01a2f000-0000-7000-8000-0000000000b2', { full_name: 'Trần Văn Thử', phone: '0912000002' });
const HID = '01a2f000-0000-7000-8000-0000000000c1';

let backend: FakeBackend;
let listFails = false;

function answer(query: unknown): Person[] {
  if (listFails) reject('db', 'errors.db_locked', 'test: store locked');
  const q = typeof query === 'string' ? query : '';
  return [MAU, THU].filter((p) => p.full_name.includes(q));
}

beforeEach(() => {
  location.hash = '#/people';
  listFails = false;
  backend = fakeBackend({
    person_list: (args) => answer(args.query),
    household_list: () => [household(HID, 'Hộ bà Mẫu', 3)],
    household_add: (args) => household(HID, String(args.name), 0),
    settings_set: () => settings(),
  });
});

afterEach(() => {
  expect(backend.unexpected).toEqual([]);
});

describe('people list', () => {
  it('shows each person and household the backend lists', async () => {
    render(PeopleScreen, { props: { params: [] } });
    const list = await screen.findByTestId('people-list');
    const rows = within(list).getAllByRole('button');
    expect(rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Nguyễn Thị Mẫu 001158000001 · 12/04/1958',
      'Trần Văn Thử 0912000002',
    ]);
    const households = await screen.findByTestId('household-list');
    expect(households.textContent?.replace(/\s+/g, ' ')).toContain('Hộ bà Mẫu 3 người');
    // The first load asks for everyone.
    expect(backend.argsOf('person_list')[0]).toEqual({ query: null });
  });

  it('searches with what was typed and shows only the answer', async () => {
    render(PeopleScreen, { props: { params: [] } });
    const search = await screen.findByTestId('people-search');
    await fireEvent.input(search, { target: { value: ' Thử ' } });
    await waitFor(() => expect(backend.argsOf('person_list')).toContainEqual({ query: 'Thử' }));
    await waitFor(() => expect(within(screen.getByTestId('people-list')).getAllByRole('button')).toHaveLength(1));
    expect(screen.getByTestId('people-list').textContent).toContain('Trần Văn Thử');
  });

  it('a tap on a person opens their profile', async () => {
    render(PeopleScreen, { props: { params: [] } });
    await fireEvent.click(await screen.findByRole('button', { name: /Trần Văn Thử/ }));
    expect(location.hash).toBe(`#/people/${THU.id}`);
  });

  it('creating a household sends its name, a blank address as null', async () => {
    render(PeopleScreen, { props: { params: [] } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Tạo hộ gia đình' }));
    await fireEvent.input(screen.getByTestId('household-name-input'), { target: { value: 'Hộ ông Thử' } });
    await fireEvent.input(screen.getByTestId('household-address-input'), { target: { value: '   ' } });
    await fireEvent.click(screen.getByTestId('household-create'));
    await waitFor(() => expect(backend.argsOf('household_add')).toEqual([{ name: 'Hộ ông Thử', address: null }]));
    await waitFor(() => expect(location.hash).toBe(`#/people/households/${HID}`));
  });

  it('a failing list shows the error banner in plain Vietnamese', async () => {
    listFails = true;
    render(PeopleScreen, { props: { params: [] } });
    const banner = await screen.findByRole('alert');
    expect(banner.textContent?.trim()).toBe(
      'Không mở được dữ liệu đã lưu vì khoá không khớp. Dữ liệu vẫn còn nguyên. Hãy nhờ người hỗ trợ kỹ thuật.',
    );
    // The support detail is not shown to the user.
    expect(document.body.textContent).not.toContain('test: store locked');
  });
});
