// Every screen the Chromium lane visits (and screenshots, and checks with axe-core).
// Later features add their screens here. `prepare(page)` may click through to reach the screen.
export const screens = [
  { name: 'procedures', path: '/procedures' },
  { name: 'dossiers', path: '/dossiers' },
  { name: 'people', path: '/people' },
  { name: 'sync', path: '/sync' },
  { name: 'settings', path: '/settings' },
];
