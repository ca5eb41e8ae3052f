//! Shared helpers for the cross-component tests in `tests/tests/`.
//!
//! `app`: start the real desktop app (built with `--features custom-protocol`) under Xvfb and
//! drive it over W3C WebDriver through `tauri-driver` + `WebKitWebDriver`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod browser;
pub mod faultproxy;
pub mod flows;
pub mod powerloss;
pub mod procs;
pub mod syncenv;

use std::path::PathBuf;

/// The workspace root (the directory holding the top-level Cargo.toml).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Where E2E screenshots go: `target/e2e-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("e2e-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}
