// @vitest-environment jsdom
// The language switch and text size on the settings screen, with the Chromium lane's mock
// handlers (src/mocks) behind it for the sections this test is not about.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import SettingsScreen from '../../src/screens/SettingsScreen.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import { prefs } from '../../src/lib/settings.svelte';
import { handlers as shell } from '../../src/mocks/shell';
import { handlers as lock } from '../../src/mocks/lock';
import { handlers as account } from '../../src/mocks/account';
import { handlers as sync } from '../../src/mocks/sync';
import { reject, type Handlers } from '../../src/mocks/util';
import { fakeBackend, type FakeBackend } from './backend';

let backend: FakeBackend;
const base: Handlers = { ...shell, ...lock, ...account, ...sync };

beforeEach(() => {
  setLang('vi');
  prefs.language = 'vi';
  prefs.text_size = 'normal';
  delete document.documentElement.dataset.textSize;
  backend = fakeBackend(base);
});

afterEach(() => {
  expect(backend.unexpected).toEqual([]);
});

describe('settings', () => {
  it('the language switch saves English and re-labels the screen', async () => {
    render(SettingsScreen, { props: { params: [] } });
    expect(screen.getByText('Ngôn ngữ')).toBeTruthy();
    expect(screen.getByLabelText('Tiếng Việt')).toHaveProperty('checked', true);

    await fireEvent.click(screen.getByLabelText('English'));

    await waitFor(() => expect(backend.argsOf('settings_set')).toEqual([{ key: 'language', value: 'en' }]));
    await screen.findByText('Language');
    expect(screen.queryByText('Ngôn ngữ')).toBeNull();
    expect(document.documentElement.lang).toBe('en');
    expect(screen.getByLabelText('English')).toHaveProperty('checked', true);
  });

  it('a text size the store refuses shows the error banner', async () => {
    backend = fakeBackend({
      ...base,
      settings_set: (args) =>
        args.key === 'text_size' ? reject('invalid_input', 'errors.setting_value', 'test: refused') : shell.settings_set(args),
    });
    render(SettingsScreen, { props: { params: [] } });
    expect(screen.queryByRole('alert')).toBeNull();

    await fireEvent.click(screen.getByLabelText('Lớn'));

    const banner = await screen.findByRole('alert');
    expect(banner.textContent?.trim()).toBe('Giá trị này không hợp lệ.');
    expect(backend.argsOf('settings_set')).toEqual([{ key: 'text_size', value: 'large' }]);
  });

  it('shows the catalog in use and what became of the last update', async () => {
    const info = await Promise.resolve(shell.app_info());
    const cases = [
      { update: null, text: 'Chưa nhận bản cập nhật nào từ máy chủ' },
      {
        update: { at: '2026-12-01T01:30:00Z', outcome: 'applied', version: '2026.12.7.1', reason: null, detail: null },
        text: '(bản 2026.12.7.1)',
      },
      {
        update: { at: '2026-12-01T01:30:00Z', outcome: 'refused', version: '2026.11.1.1', reason: 'stale', detail: 'x' },
        text: 'cũ hơn bản đang có',
      },
      {
        update: { at: '2026-12-01T01:30:00Z', outcome: 'refused', version: null, reason: 'tampered', detail: 'x' },
        text: 'không có chữ ký hợp lệ',
      },
      {
        update: { at: '2026-12-01T01:30:00Z', outcome: 'refused', version: null, reason: 'truncated', detail: 'x' },
        text: 'bị hỏng hoặc chưa tải xong',
      },
    ];
    for (const c of cases) {
      backend = fakeBackend({ ...base, app_info: () => ({ ...info, catalog_version: '2026.12.6.1', catalog_update: c.update }) });
      const view = render(SettingsScreen, { props: { params: [] } });
      const version = await screen.findByTestId('catalog-version');
      expect(version.textContent?.trim()).toBe('Bản 2026.12.6.1');
      const line = screen.getByTestId('catalog-update').textContent ?? '';
      expect(line).toContain(c.text);
      if (c.update?.outcome === 'refused') expect(line).toContain('không dùng được');
      else expect(line).not.toContain('không dùng được');
      view.unmount();
    }
  });
});
