// App-wide preferences: loaded once from the store, applied to the page, saved on change.
import { setLang } from './i18n/index.svelte';
import { commands } from './api';
import type { Language, Settings, TextSize } from './bindings';

export const TEXT_SIZES: readonly TextSize[] = ['normal', 'large', 'xlarge'];

export const prefs = $state<Settings>({
  language: 'vi',
  text_size: 'normal',
  last_route: null,
  lock_timeout_minutes: 5,
  lock_wipe_after: 10,
  lock_prompted: false,
  retention_days: 30,
});

export function applyToPage(s: Settings): void {
  setLang(s.language);
  document.documentElement.dataset.textSize = s.text_size;
}

export async function loadPrefs(): Promise<Settings> {
  const s = await commands.settings_get();
  Object.assign(prefs, s);
  applyToPage(s);
  return s;
}

export async function setLanguage(language: Language): Promise<void> {
  applyToPage({ ...prefs, language });
  Object.assign(prefs, await commands.settings_set('language', language));
}

export async function setTextSize(size: TextSize): Promise<void> {
  applyToPage({ ...prefs, text_size: size });
  Object.assign(prefs, await commands.settings_set('text_size', size));
}
