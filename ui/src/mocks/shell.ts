// Mock handlers for the shell's commands (settings, info). Same contracts as
// src-tauri/src/commands/shell.rs.
import { reject, type Handlers } from './util';
import type { Info, Settings } from '../lib/bindings';

const settings: Settings = {
  language: 'vi',
  text_size: 'normal',
  last_route: null,
  lock_timeout_minutes: 5,
  lock_wipe_after: 10,
  lock_prompted: false,
  retention_days: 30,
};

const info: Info = {
  app_version: '0.1.0',
  schema_version: 1,
  data_dir: '/mock',
  db_file: '/mock/dvc.sqlite',
  keystore: 'memory',
  cipher_version: '4.x (mock)',
  counts: {},
  catalog_version: '2026.12.6.1',
  catalog_update: null,
};

export const handlers = {
  app_info: () => info,
  settings_get: () => ({ ...settings }),
  settings_set: (args) => {
    const key = String(args.key);
    const value = String(args.value);
    if (key === 'language' && (value === 'vi' || value === 'en')) settings.language = value;
    else if (key === 'text_size' && ['normal', 'large', 'xlarge'].includes(value))
      settings.text_size = value as Settings['text_size'];
    else if (key === 'last_route' && value.startsWith('/')) settings.last_route = value;
    else if (key === 'lock_timeout_minutes' && ['1', '5', '15'].includes(value)) settings.lock_timeout_minutes = Number(value);
    else if (key === 'lock_prompted' && (value === 'true' || value === 'false')) settings.lock_prompted = value === 'true';
    else if (key === 'retention_days' && ['7', '30', '90'].includes(value)) settings.retention_days = Number(value);
    else reject('invalid_input', 'errors.setting_value', `bad ${key}`);
    return { ...settings };
  },
  ui_ready: () => undefined,
} satisfies Handlers;
