// Shapes the UI adds to the generated ones. The DTOs of the Rust commands are generated into
// ./bindings.ts; import them from there.
import type { Settings } from './bindings';

/** The keys `settings_set` accepts. */
export type SettingKey = keyof Settings;
