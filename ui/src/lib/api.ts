// The one place that talks to the Rust side: `call` wraps `invoke`; features build their typed
// functions on it (e.g. lib/catalog/api.ts). Screens call those typed functions and never
// `invoke` directly, so the command names and argument shapes live in one place.
import { invoke } from '@tauri-apps/api/core';
import type { ApiErrorBody, Info, SettingKey, Settings } from './types';

/** A command failed; `messageKey` is a UI dictionary key, `detail` is for support only. */
export class ApiError extends Error {
  readonly code: string;
  readonly messageKey: string;
  readonly detail: string;
  constructor(body: ApiErrorBody) {
    super(`${body.code}: ${body.detail}`);
    this.name = 'ApiError';
    this.code = body.code;
    this.messageKey = body.message_key;
    this.detail = body.detail;
  }
}

function isErrorBody(e: unknown): e is ApiErrorBody {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as ApiErrorBody).code === 'string' &&
    typeof (e as ApiErrorBody).message_key === 'string'
  );
}

/** Wraps whatever `invoke` rejected with into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (isErrorBody(e)) return new ApiError(e);
  return new ApiError({ code: 'ipc', message_key: 'errors.internal', detail: String(e) });
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  appInfo: () => call<Info>('app_info'),
  settingsGet: () => call<Settings>('settings_get'),
  settingsSet: (key: SettingKey, value: string) => call<Settings>('settings_set', { key, value }),
  uiReady: () => call<void>('ui_ready'),
};
