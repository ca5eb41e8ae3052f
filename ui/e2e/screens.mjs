// Every screen the Chromium lane visits (and screenshots, and checks with axe-core).
// Later features add their screens here. `prepare(page)` may click through to reach the screen.
export const screens = [
  { name: 'procedures', path: '/procedures' },
  { name: 'dossiers', path: '/dossiers' },
  { name: 'people', path: '/people' },
  { name: 'sync', path: '/sync' },
  { name: 'settings', path: '/settings' },
  { name: 'people-list', path: '/people' },
  { name: 'people-scan', path: '/people/scan' },
  {
    name: 'people-scan-confirm',
    path: '/people/scan',
    prepare: async (page) => {
      await page.setInputFiles('[data-testid=scan-file]', {
        name: 'card.png',
        mimeType: 'image/png',
        buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      });
      await page.waitForSelector('[data-testid=scan-result]');
    },
  },
  { name: 'people-new', path: '/people/new' },
  { name: 'people-profile', path: '/people/01a2f000-0000-7000-8000-000000000001' },
  { name: 'people-household', path: '/people/households/01a2f000-0000-7000-8000-0000000000a1' },
];
