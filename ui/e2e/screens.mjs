// Every screen the Chromium lane visits (and screenshots, and checks with axe-core).
// Later features add their screens here. `prepare(page)` may click through to reach the screen.
export const screens = [
  { name: 'procedures', path: '/procedures' },
  { name: 'dossiers', path: '/dossiers' },
  { name: 'people', path: '/people' },
  { name: 'sync', path: '/sync' },
  { name: 'settings', path: '/settings' },
  { name: 'catalog-search', path: '/procedures?q=1', prepare: async (page) => {
      await page.fill('[data-testid="catalog-search"]', 'lam ho chieu');
      await page.waitForSelector('[data-id="passport-domestic"]');
    } },
  { name: 'catalog-procedure', path: '/procedures/passport-domestic' },
  { name: 'catalog-guides', path: '/procedures/guides' },
  { name: 'catalog-guide', path: '/procedures/guides/attach-photos' },
];
