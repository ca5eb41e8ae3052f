//! The app's commands, one module per feature. Each command is thin: arguments → `dvc-core` → DTO,
//! `async`, with the core's blocking work on the blocking pool ([`crate::AppState::with_core`]).
//! A new command is written here and listed once in `command_list.rs`; everything else (invoke
//! handler, permission, TypeScript bindings) follows from that list.

pub mod account;
pub mod after;
pub mod catalog;
pub mod consent;
pub mod dossier;
pub mod handoff;
pub mod lock;
pub mod lookup;
pub mod notify;
pub mod people;
pub mod photo;
pub mod shell;
pub mod sync;
pub mod visits;
