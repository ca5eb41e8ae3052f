// The router's routes, read from its source (src/routes.ts), so the Chromium lane can prove it
// visits every one of them: a route added to the router and not to e2e/screens.mjs fails the lane.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const routesSource = resolve(here, '..', 'src', 'routes.ts');

/** Every `pattern: /…/` of the route table, as RegExps; throws if one could not be read. */
export function routePatterns(source = readFileSync(routesSource, 'utf8')) {
  const table = source.slice(source.indexOf('export const routes'));
  const declared = (table.match(/\bpattern\s*:/g) ?? []).length;
  const found = [...table.matchAll(/\bpattern\s*:\s*\/((?:\\.|[^/\\\n])+)\/([a-z]*)\s*,/g)].map(
    (m) => new RegExp(m[1], m[2]),
  );
  if (declared === 0 || found.length !== declared) {
    throw new Error(`read ${found.length} of ${declared} route patterns in ${routesSource}: update e2e/routes.mjs`);
  }
  return found;
}

/** The route a path shows: the first pattern that matches it, as the router picks (query string
 *  ignored); undefined for a path the router sends to a tab's main screen. */
export function routeOf(patterns, path) {
  const bare = path.split('?')[0];
  return patterns.find((re) => re.test(bare));
}

/** The routes none of `paths` shows. */
export function unvisited(patterns, paths) {
  const shown = new Set(paths.map((p) => routeOf(patterns, p)));
  return patterns.filter((re) => !shown.has(re));
}
