// Every screen the Chromium lane visits (and screenshots, and checks with axe-core).
// Later features add their screens here. `prepare(page)` may click through to reach the screen.
export const screens = [
  { name: 'procedures', path: '/procedures' },
  { name: 'dossiers', path: '/dossiers' },
  { name: 'people', path: '/people' },
  { name: 'sync', path: '/sync' },
  { name: 'settings', path: '/settings' },
  { name: 'people-scan', path: '/people/scan' },
  { name: 'person-form', path: '/people/new' },
  { name: 'person-profile', path: '/people/01a2f000-0000-7000-8000-000000000001' },
  { name: 'household', path: '/people/households/01a2f000-0000-7000-8000-0000000000a1' },
];
