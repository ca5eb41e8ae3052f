//! Printing: JSON for `--json`, plain lines otherwise, one-line errors on stderr.
//!
//! All standard output goes through [`print`], which treats a reader that went away
//! (`dvc … | head -c 1`: the write fails with `BrokenPipe`) as the end of the command, not a
//! failure: the command stops with exit 0 and prints nothing more. Rust ignores `SIGPIPE`, so
//! without this `println!` would panic on such a write. Restoring the signal's default instead
//! would need `unsafe` (forbidden here) and would end the process with status 141 and without
//! running destructors (the store's clean close).

use std::io::{self, Write};

use serde::Serialize;

use crate::{CliError, Ctx};

/// Prints `value` as JSON when `--json` was given, otherwise the human text from `human`.
pub fn print<T: Serialize>(
    ctx: &Ctx,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<(), CliError> {
    let text = if ctx.json {
        serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?
    } else {
        human(value)
    };
    write_line(&mut io::stdout().lock(), &text)
}

/// Prints `text` as it is (a CSV export), whatever `--json` says.
pub fn print_raw(text: &str) -> Result<(), CliError> {
    write_line(&mut io::stdout().lock(), text.trim_end_matches('\n'))
}

/// Writes `text` and a line break, and flushes: a vanished reader is [`CliError::ReaderGone`].
fn write_line(out: &mut impl Write, text: &str) -> Result<(), CliError> {
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(CliError::ReaderGone),
        Err(e) => Err(CliError::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// `dvc: <msg>` on stderr. Nothing to do if stderr itself is gone.
pub fn error_line(msg: &str) {
    let _ = writeln!(io::stderr().lock(), "dvc: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    /// A writer that fails for another reason.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_gone_reader_ends_quietly_and_other_failures_are_failures() {
        let mut buf = Vec::new();
        assert!(write_line(&mut buf, "{}").is_ok());
        assert_eq!(buf, b"{}\n");
        assert!(matches!(
            write_line(&mut Closed, "x"),
            Err(CliError::ReaderGone)
        ));
        assert!(matches!(
            write_line(&mut Full, "x"),
            Err(CliError::Failed(_))
        ));
    }
}
