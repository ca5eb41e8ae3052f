// @vitest-environment jsdom
// The person form, rendered for real: its fields, the errors the Rust validator answers shown
// next to the field they belong to, and the exact arguments the save sends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import PersonFormScreen from '../../src/screens/people/PersonFormScreen.svelte';
import type { FieldError, Person, PersonInput } from '../../src/lib/bindings';
import { fakeBackend, type FakeBackend } from './backend';
import { person, settings } from './fixtures';

const ID = '01a2f000-0000-7000-8000-0000000000f1';

function saved(input: PersonInput): Person {
  return person(ID, {
    full_name: input.full_name ?? '',
    date_of_birth: input.date_of_birth ?? null,
    id_number: input.id_number ?? null,
  });
}

let backend: FakeBackend;
let checkAnswer: FieldError[] = [];

beforeEach(() => {
  location.hash = '#/people/new';
  checkAnswer = [];
  backend = fakeBackend({
    person_check: () => checkAnswer,
    person_add: (args) => saved(args.input as PersonInput),
    settings_set: () => settings(),
  });
});

afterEach(() => {
  expect(backend.unexpected).toEqual([]);
});

describe('person form', () => {
  it('saves what was typed, the date typed as dd/mm/yyyy sent as ISO', async () => {
    render(PersonFormScreen, { props: { params: [] } });
    await fireEvent.input(screen.getByTestId('field-full_name'), { target: { value: 'Lê Văn Mẫu' } });
    await fireEvent.input(screen.getByTestId('field-date_of_birth'), { target: { value: '5/6/1985' } });
    await fireEvent.input(screen.getByTestId('field-id_number'), { target: { value: '079085000009' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Lưu' }));

    await waitFor(() => expect(backend.argsOf('person_add')).toHaveLength(1));
    const input = backend.argsOf('person_add')[0]!.input as PersonInput;
    expect(input.full_name).toBe('Lê Văn Mẫu');
    expect(input.date_of_birth).toBe('1985-06-05');
    expect(input.id_number).toBe('079085000009');
    // The validator saw the same form before the save.
    expect((backend.argsOf('person_check')[0]!.input as PersonInput).date_of_birth).toBe('1985-06-05');
    // And the app went to the new person's profile.
    await waitFor(() => expect(location.hash).toBe(`#/people/${ID}`));
  });

  it('shows the validator’s message under its field and does not save', async () => {
    checkAnswer = [{ field: 'id_number', message_key: 'people.duplicate_id_number' }];
    render(PersonFormScreen, { props: { params: [] } });
    await fireEvent.input(screen.getByTestId('field-id_number'), { target: { value: '12' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Lưu' }));

    const banner = await screen.findByTestId('form-error');
    expect(banner.textContent).toContain('Vui lòng sửa các ô được đánh dấu.');
    const field = screen.getByTestId('field-id_number');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const message = screen.getByTestId('error-id_number');
    expect(field.getAttribute('aria-describedby')).toBe(message.id);
    expect(message.textContent).toBe('Đã có người với số CCCD này.');
    expect(backend.argsOf('person_add')).toEqual([]);
  });
});
