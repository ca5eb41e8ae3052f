// The mocks' contract with the Rust commands. The generated bindings (src/lib/bindings.ts, written
// by `cargo test -p dvc-app bindings`) type every mock handler's answer; this file proves that
// contract has teeth: each `@ts-expect-error` below is a broken mock that `npm run check` must
// reject (if the types ever stopped catching it, the unused directive itself fails the check),
// and the runtime test compares the mock backend with the generated command list.
import { describe, expect, it } from 'vitest';
import { commands as generated } from '../src/lib/bindings';
import type { Answer, CommandName } from '../src/lib/api';
import { all } from '../src/mocks/backend';
import type { Handlers } from '../src/mocks/util';
import { handlers as shell } from '../src/mocks/shell';

// The mock backend has a handler for every command (a missing one is a type error here and in
// backend.ts).
const complete: Required<Handlers> = all;

// No command's answer is `any` or `unknown` (which would let any mock answer pass).
type IsLoose<T> = 0 extends 1 & T ? true : unknown extends T ? true : false;
type LooseAnswers = { [K in CommandName]: IsLoose<Answer<K>> extends true ? K : never }[CommandName];
const noLooseAnswer: [LooseAnswers] extends [never] ? true : LooseAnswers = true;

// A handler answering the wrong shape is refused…
export const wrongShape = {
  // @ts-expect-error person_get answers a PersonDetail, not a string
  person_get: () => 'Nguyễn Thị Mẫu',
} satisfies Handlers;

// …also a field of the wrong type deep inside the answer…
export const wrongField = {
  // @ts-expect-error Settings.text_size is 'normal' | 'large' | 'xlarge'
  settings_get: () => ({ ...shell.settings_get(), text_size: 'huge' }),
} satisfies Handlers;

// …and a promise of the wrong shape.
export const wrongAsync = {
  // @ts-expect-error household_list answers Household[]
  household_list: async () => [{ id: 'h1', name: 'Hộ thử' }],
} satisfies Handlers;

// A mock for a command the Rust side does not have is refused.
export const unknownCommand = {
  // @ts-expect-error there is no command person_fly
  person_fly: () => null,
} satisfies Handlers;

// A backend missing a command is refused.
// @ts-expect-error settings_set (and every other command but settings_get) has no handler
export const incomplete: Required<Handlers> = { settings_get: shell.settings_get };

describe('mock backend contract', () => {
  it('has exactly one handler per generated command', () => {
    expect(Object.keys(all).sort()).toEqual(Object.keys(generated).sort());
    expect(Object.keys(complete).length).toBeGreaterThan(50);
    expect(noLooseAnswer).toBe(true);
  });
});
