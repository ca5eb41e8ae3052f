//! The Tauri 2 shell of DVC Đồng Hành. Commands are thin: arguments → `dvc-core` → DTO. Anything
//! a second UI or the CLI could use lives in `dvc-core`, not here.

// The registration list (a macro, shared with build.rs).
#[macro_use]
mod command_list;
mod commands;
mod error;
mod ipc;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use dvc_core::{Core, OpenOptions};
use tauri::Manager;

pub use error::ApiError;

/// Where the generated TypeScript bindings live, from this crate's folder.
pub const BINDINGS_FILE: &str = "../ui/src/lib/bindings.ts";

macro_rules! specta_commands {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri_specta::collect_commands![$(commands::$module::$command),*]
    };
}

/// The app's commands with the types of their arguments and answers: the invoke handler, and
/// the TypeScript bindings the UI calls them through ([`BINDINGS_FILE`]). Bindings call each
/// command by its Rust name (`commands.after_view(…)`), and a failed command rejects with its
/// [`ApiError`]. Payloads of events are added here too, so the UI's listeners share the types.
pub fn bindings_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(app_commands!(specta_commands))
        .typ::<commands::sync::SyncDone>()
        .typ::<dvc_core::sync::Progress>()
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        .function_casing(tauri_specta::Casing::SnakeCase)
        // Amounts, sizes and counts are far below 2^53: plain numbers, not bigints.
        .dangerously_cast_bigints_to_number()
        // One shape per type: the app's DTOs read and write alike.
        .disable_serde_phases()
}

/// The TypeScript exporter's settings.
pub fn bindings_language() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default().header(
        "// Generated from the Rust commands and types by `cargo test -p dvc-app bindings`: do not \
         edit.\n// A stale copy fails that test, which then writes the fresh one.",
    )
}

/// When the process started; the startup bench measures to the first interactive screen.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Environment variable: when set to `1`, the app prints `ready_ms=<n>` on stdout when the UI
/// reports its first interactive screen, then exits. Used by the startup bench only.
pub const STARTUP_PROBE_ENV: &str = "DVC_STARTUP_PROBE";

/// What the commands share. The core may have failed to open (no keystore, wrong key): then every
/// command answers with that error and the UI shows it in plain words.
pub struct AppState {
    core: Result<Arc<Core>, ApiError>,
    /// The app lock is closed: commands that read or change data ([`Self::with_core`]) refuse
    /// until the PIN opens it (`commands/lock.rs`). Background sync goes on.
    locked: AtomicBool,
}

impl AppState {
    pub fn core(&self) -> Result<Arc<Core>, ApiError> {
        self.core.clone()
    }

    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    /// Runs `f` with the core on the blocking thread pool: the core is synchronous (SQLite, file
    /// I/O, image and QR work) and a command must never hold the main thread or an async worker.
    pub async fn with_core<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Core) -> Result<T, ApiError> + Send + 'static,
    {
        let core = self.core()?;
        if self.is_locked() {
            return Err(ApiError::locked());
        }
        blocking(move || f(&core)).await
    }
}

/// Runs blocking work on the async runtime's blocking thread pool and waits for it.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
}

fn data_dir(app: &tauri::App) -> Result<PathBuf, ApiError> {
    if let Some(d) = std::env::var_os(dvc_core::DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    app.path()
        .app_data_dir()
        .map_err(|e| ApiError::internal(format!("no app data directory: {e}")))
}

fn open_core(app: &tauri::App) -> Result<Core, ApiError> {
    let dir = data_dir(app)?;
    let opts = OpenOptions::from_env(dir).map_err(ApiError::from)?;
    Core::open(&opts).map_err(|e| {
        tracing::error!(code = e.code(), error = %e, "cannot open the local store");
        ApiError::from(e)
    })
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    STARTED.get_or_init(Instant::now);
    dvc_core::logging::init("info");
    let builder = tauri::Builder::default();
    // Live camera scanning of the CCCD QR code on phones; desktop uses a photo and the Rust
    // decoder (`cccd_scan_image`). Granted by capabilities/mobile.json.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    // Fingerprint/face unlock of the app lock on phones, asked from Rust (commands/lock.rs).
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_biometric::init());
    // System notifications for pulled status changes (commands/notify.rs).
    let builder = builder.plugin(tauri_plugin_notification::init());
    let result = builder
        .invoke_handler(bindings_builder().invoke_handler())
        .setup(|app| {
            let core = open_core(app).map(Arc::new);
            if let Ok(c) = &core {
                tracing::info!("local store opened");
                // A volunteer's phone lets go of citizens whose dossiers ended long enough ago
                // (`retention_days`), off the main thread; a failure is logged, never fatal.
                let c = Arc::clone(c);
                tauri::async_runtime::spawn_blocking(move || match c.apply_retention() {
                    Ok(r) if r.people_deleted > 0 => tracing::info!(
                        people = r.people_deleted,
                        dossiers = r.dossiers_deleted,
                        "retention applied at start-up"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(code = e.code(), error = %e, "retention not applied"),
                });
            }
            let core_ok = core.is_ok();
            // Locked from the start when a PIN is set (an unreadable lock entry locks too).
            let locked = match &core {
                Ok(c) => c.lock().enabled().unwrap_or(true),
                Err(_) => false,
            };
            app.manage(AppState {
                core,
                locked: AtomicBool::new(locked),
            });
            if core_ok && std::env::var_os(STARTUP_PROBE_ENV).is_none() {
                // Sync on start, then periodically while the app runs.
                commands::sync::start_background(app.handle().clone());
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app could not start");
        std::process::exit(1);
    }
}

/// Milliseconds since the process started.
pub(crate) fn elapsed_ms() -> u128 {
    STARTED.get_or_init(Instant::now).elapsed().as_millis()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::commands;

    macro_rules! command_names {
        ($($module:ident :: $command:ident),* $(,)?) => {
            [$(stringify!($command)),*]
        };
    }

    /// The names of the commands of a list that are not `async` (Tauri runs those on the main
    /// thread).
    fn sync_commands(functions: &[specta::datatype::Function]) -> Vec<String> {
        functions
            .iter()
            .filter(|f| !f.asyncness())
            .map(|f| f.name().to_string())
            .collect()
    }

    #[test]
    fn every_command_is_async() {
        let registered: tauri_specta::Commands<tauri::Wry> = app_commands!(specta_commands);
        let collected = (registered.1)(&mut specta::Types::default());
        assert_eq!(
            collected.functions.len(),
            app_commands!(command_names).len()
        );
        assert_eq!(
            sync_commands(&collected.functions),
            Vec::<String>::new(),
            "make these `async fn` (blocking work in `AppState::with_core` / `blocking`)"
        );
    }

    #[test]
    fn the_async_check_finds_a_plain_fn() {
        #[specta::specta]
        fn plain() -> u32 {
            1
        }
        #[specta::specta]
        async fn not_plain() -> u32 {
            2
        }
        let mut types = specta::Types::default();
        let functions = specta::function::collect_functions![plain, not_plain](&mut types);
        assert_eq!(sync_commands(&functions), ["plain"]);
    }

    #[test]
    fn capability_grants_exactly_the_app_commands() {
        let cap: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let granted: Vec<&str> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        assert!(granted.contains(&"app-commands"), "{granted:?}");
        assert!(
            !granted.iter().any(|p| p.starts_with("allow-")),
            "grant app commands through the app-commands set: {granted:?}"
        );
        // build.rs writes the set from the registration list.
        let set = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("permissions/app-commands.toml"),
        )
        .unwrap();
        let mut in_set: Vec<String> = set
            .lines()
            .filter_map(|l| l.trim().strip_prefix("\"allow-"))
            .filter_map(|l| l.strip_suffix("\","))
            .map(str::to_string)
            .collect();
        let mut expected: Vec<String> = app_commands!(command_names)
            .iter()
            .map(|c| c.replace('_', "-"))
            .collect();
        in_set.sort();
        expected.sort();
        assert_eq!(in_set, expected);
    }

    #[test]
    fn bindings_are_current() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS_FILE);
        let fresh = std::env::temp_dir().join(format!("dvc-bindings-{}.ts", std::process::id()));
        super::bindings_builder()
            .export(super::bindings_language(), &fresh)
            .unwrap();
        let fresh_text = std::fs::read_to_string(&fresh).unwrap();
        std::fs::remove_file(&fresh).unwrap();
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        if current != fresh_text {
            std::fs::write(&file, &fresh_text).unwrap();
            panic!(
                "{} was stale and has been rewritten: check and commit it",
                file.display()
            );
        }
    }

    #[test]
    fn csp_forbids_remote_origins() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let csp = conf["app"]["security"]["csp"].as_object().unwrap();
        for (directive, value) in csp {
            let v = value.as_str().unwrap();
            assert!(
                !v.contains("https:") && !v.contains('*'),
                "{directive}: {v}"
            );
            assert!(!v.contains("unsafe-eval"), "{directive}: {v}");
        }
        assert_eq!(csp["default-src"], "'self'");
    }
}
