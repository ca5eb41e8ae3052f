import { describe, expect, it } from 'vitest';
import { blankForm } from '../src/lib/people/draft.svelte';
import { resolve } from '../src/routes';
import PeopleScanScreen from '../src/screens/people/PeopleScanScreen.svelte';
import PersonFormScreen from '../src/screens/people/PersonFormScreen.svelte';
import PersonProfileScreen from '../src/screens/people/PersonProfileScreen.svelte';
import HouseholdScreen from '../src/screens/people/HouseholdScreen.svelte';

const ID = '01a2f000-0000-7000-8000-000000000001';

describe('people', () => {
  it('blankForm turns missing and null fields into empty strings and keeps values', () => {
    const f = blankForm({ full_name: 'Lê Mẫu', phone: null });
    expect(f.full_name).toBe('Lê Mẫu');
    expect(f.phone).toBe('');
    expect(f.nationality).toBe('');
    expect(Object.keys(blankForm(null))).toHaveLength(13);
  });

  it('routes people screens with their ids', () => {
    expect(resolve('/people/scan', 'people').component).toBe(PeopleScanScreen);
    expect(resolve('/people/new', 'people')).toEqual({ component: PersonFormScreen, params: [] });
    expect(resolve(`/people/${ID}`, 'people')).toEqual({ component: PersonProfileScreen, params: [ID] });
    expect(resolve(`/people/${ID}/edit`, 'people')).toEqual({ component: PersonFormScreen, params: [ID] });
    expect(resolve(`/people/households/${ID}`, 'people')).toEqual({ component: HouseholdScreen, params: [ID] });
  });
});
