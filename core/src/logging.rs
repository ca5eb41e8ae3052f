//! Log set-up for the binaries. Logs go to stderr; the level comes from `DVC_LOG` (an
//! `EnvFilter` string such as `info` or `dvc_core=debug`).
//!
//! Rule for every log line in this workspace: no ID numbers, names, phone numbers, addresses,
//! photos or keys — log ids (UUIDs), counts, sizes and error codes instead.

use tracing_subscriber::EnvFilter;

/// Environment variable with the log filter.
pub const LOG_ENV: &str = "DVC_LOG";

/// Installs a stderr subscriber once; later calls do nothing.
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}
