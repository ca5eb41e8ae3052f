import { describe, expect, it } from 'vitest';
import { normalise, tabOf } from '../src/lib/router.svelte';

describe('router', () => {
  it('maps paths to tabs', () => {
    expect(tabOf('/people')).toBe('people');
    expect(tabOf('/people/123')).toBe('people');
    expect(tabOf('/nowhere')).toBe('procedures');
    expect(tabOf('')).toBe('procedures');
  });

  it('refuses routes it cannot show', () => {
    expect(normalise('/settings')).toBe('/settings');
    expect(normalise(null)).toBe('/procedures');
    expect(normalise('javascript:alert(1)')).toBe('/procedures');
    expect(normalise('/unknown')).toBe('/procedures');
    expect(normalise('/people/<script>')).toBe('/procedures');
    expect(normalise('/' + 'a'.repeat(300))).toBe('/procedures');
  });
});
