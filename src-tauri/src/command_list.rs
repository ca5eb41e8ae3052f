//! The names of all app commands. Used by build.rs (permissions) and checked against the
//! capability file by a test. Add a command here, in `lib.rs`'s handler and in
//! `capabilities/default.json` together.

pub const COMMANDS: &[&str] = &[
    "app_info",
    "settings_get",
    "settings_set",
    "ui_ready",
    "photo_prepare",
    "photo_jpeg",
];
