// DTOs as the Rust commands return them (serde, snake_case). Keep in step with dvc-core.

export type Language = 'vi' | 'en';
export type TextSize = 'normal' | 'large' | 'xlarge';
export type KeystoreKind = 'os' | 'file' | 'memory';

export interface Settings {
  language: Language;
  text_size: TextSize;
  last_route: string | null;
}

export type SettingKey = 'language' | 'text_size' | 'last_route';

export interface Info {
  app_version: string;
  schema_version: number;
  data_dir: string;
  db_file: string;
  keystore: KeystoreKind;
  cipher_version: string;
  counts: Record<string, number>;
}

/** What every failed command returns. */
export interface ApiErrorBody {
  code: string;
  message_key: string;
  detail: string;
}
