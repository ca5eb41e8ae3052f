//! The app's commands, one module per feature. Each command is thin: arguments → `dvc-core` → DTO.
//! A new command is registered in three more places: `command_list.rs` (permission), the
//! `generate_handler!` list in `lib.rs`, and `capabilities/default.json`.

pub mod catalog;
pub mod dossier;
pub mod notify;
pub mod people;
pub mod photo;
pub mod shell;
pub mod sync;

// After submission; kept last so the list stays append-only.
pub mod after;
