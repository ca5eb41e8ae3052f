// A tiny hash router: one screen per route, the route kept in the store so a restart (or the
// system killing the app) brings the user back to where they were.
import { commands } from './api';

export const TABS = ['procedures', 'dossiers', 'people', 'sync', 'settings'] as const;
export type Tab = (typeof TABS)[number];

export const route = $state({ path: '/procedures' });

/** What the top bar shows for the current screen: a sub-screen (e.g. one procedure) sets its own
 *  title and where "back" goes; tab screens leave both null. Reset on every navigation. */
export const page = $state<{ title: string | null; back: string | null }>({ title: null, back: null });

export function setPage(title: string | null, back: string | null = null): void {
  page.title = title;
  page.back = back;
}

/** The tab a path belongs to: its first segment, or `procedures`. */
export function tabOf(path: string): Tab {
  const first = path.split('/')[1] ?? '';
  return (TABS as readonly string[]).includes(first) ? (first as Tab) : 'procedures';
}

/** Normalises anything from the URL or the store into a path we can show. */
export function normalise(path: string | null | undefined): string {
  if (!path || !path.startsWith('/') || path.length > 200) return '/procedures';
  if (!/^[A-Za-z0-9/_\-.?=&%]*$/.test(path)) return '/procedures';
  return (TABS as readonly string[]).includes(path.split('/')[1] ?? '') ? path : '/procedures';
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;

export function navigate(path: string): void {
  const p = normalise(path);
  if (location.hash !== `#${p}`) location.hash = p;
  if (route.path !== p) setPage(null, null);
  route.path = p;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    commands.settings_set('last_route', p).catch(() => {
      /* remembering the screen is a convenience; never bother the user with it */
    });
  }, 250);
}

export function startRouter(initial: string | null): void {
  const fromHash = location.hash.startsWith('#/') ? location.hash.slice(1) : null;
  navigate(fromHash ?? initial ?? '/procedures');
  window.addEventListener('hashchange', () => {
    const p = normalise(location.hash.slice(1));
    if (p !== route.path) navigate(p);
  });
}
