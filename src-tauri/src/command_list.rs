//! The names of all app commands. Used by build.rs (permissions) and checked against the
//! capability file by a test. Add a command here, in `lib.rs`'s handler and in
//! `capabilities/default.json` together.

pub const COMMANDS: &[&str] = &[
    "app_info",
    "settings_get",
    "settings_set",
    "ui_ready",
    "catalog_search",
    "catalog_show",
    "guides_list",
    "guide_show",
    "cccd_parse",
    "cccd_scan_image",
    "person_check",
    "person_list",
    "person_get",
    "person_add",
    "person_update",
    "person_delete",
    "document_add",
    "document_thumbnail",
    "document_delete",
    "household_list",
    "household_get",
    "household_add",
    "household_set_member",
    "photo_prepare",
    "photo_jpeg",
    "catalog_fields",
];
