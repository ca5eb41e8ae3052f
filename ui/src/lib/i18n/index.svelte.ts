import { vi, type MessageKey } from './vi';
import { en } from './en';

export type Lang = 'vi' | 'en';
export type { MessageKey };

const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

const state = $state({ lang: 'vi' as Lang });

export function isMessageKey(k: string): k is MessageKey {
  return Object.prototype.hasOwnProperty.call(vi, k);
}

/** Translate `key` in the current language; `{name}` placeholders are filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[state.lang][key] ?? vi[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

/** Translate a key that came from the backend (an error's `message_key`), with a safe fallback. */
export function tKey(key: string): string {
  return isMessageKey(key) ? t(key) : t('errors.internal');
}

export function currentLang(): Lang {
  return state.lang;
}

export function setLang(lang: Lang): void {
  state.lang = lang;
  document.documentElement.lang = lang;
}

export { dictionaries };
