import { describe, expect, it } from 'vitest';
import { narrow } from '../src/lib/dossier/narrow';

const d = (id: string, applicant_id: string | null) => ({ id, applicant_id });
const list = [d('1', 'a'), d('2', 'b'), d('3', null), d('4', 'a'), d('5', 'c')];
const ids = (l: { id: string }[]) => l.map((x) => x.id);

describe('the dossier list of a volunteer', () => {
  it('shows only the person being helped, unless asked for all', () => {
    expect(ids(narrow(list, 'a', false, null))).toEqual(['1', '4']);
    expect(ids(narrow(list, 'a', true, null))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('narrows to one household, never showing dossiers without an applicant there', () => {
    expect(ids(narrow(list, null, false, new Set(['b', 'c'])))).toEqual(['2', '5']);
    expect(ids(narrow(list, null, false, new Set()))).toEqual([]);
  });

  it('the person being helped comes before the household', () => {
    expect(ids(narrow(list, 'c', false, new Set(['a'])))).toEqual(['5']);
    expect(ids(narrow(list, 'c', true, new Set(['a'])))).toEqual(['1', '4']);
  });

  it('shows everyone otherwise', () => {
    expect(narrow(list, null, false, null)).toHaveLength(5);
  });
});
