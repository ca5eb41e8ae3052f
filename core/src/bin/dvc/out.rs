//! Printing: JSON for `--json`, plain lines otherwise, one-line errors on stderr.

use serde::Serialize;

use crate::{CliError, Ctx};

/// Prints `value` as JSON when `--json` was given, otherwise the human text from `human`.
pub fn print<T: Serialize>(
    ctx: &Ctx,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), CliError> {
    if ctx.json {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?;
        println!("{text}");
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

#[allow(clippy::print_stderr)]
pub fn error_line(msg: &str) {
    eprintln!("dvc: {msg}");
}
