// Every route of the router is visited by the Chromium lane (e2e/screens.mjs); the lane checks
// the same at its start and again with the routes it really showed. Here it fails in seconds.
import { describe, expect, it } from 'vitest';
import { routeOf, routePatterns, unvisited } from '../e2e/routes.mjs';
import { screens } from '../e2e/screens.mjs';
import { routes } from '../src/routes';

const patterns = routePatterns();
const paths = screens.map((s) => s.path);

describe('Chromium lane route coverage', () => {
  it('reads the same routes from the router source as the router has', () => {
    expect(patterns.map(String)).toEqual(routes.map((r) => String(r.pattern)));
  });

  it('visits every route', () => {
    expect(unvisited(patterns, paths).map(String)).toEqual([]);
  });

  it('would notice a route nobody visits and picks routes as the router does', () => {
    const extra = [...patterns, /^\/people\/nowhere$/];
    expect(unvisited(extra, paths).map(String)).toContain('/^\\/people\\/nowhere$/');
    // "/procedures/guides" shows the guides list, not a procedure called "guides".
    expect(String(routeOf(patterns, '/procedures/guides'))).toBe(String(/^\/procedures\/guides$/));
    expect(routeOf(patterns, '/nowhere')).toBeUndefined();
  });
});
