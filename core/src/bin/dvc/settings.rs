//! `dvc settings show|set`

use clap::Subcommand;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Print all preferences.
    Show,
    /// Set one preference: language (vi|en), text_size (normal|large|xlarge), last_route.
    Set { key: String, value: String },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    let s = match cmd {
        Cmd::Show => core.settings()?,
        Cmd::Set { key, value } => core.set_setting(&key, &value)?,
    };
    out::print(ctx, &s, |s| {
        format!(
            "language: {:?}\ntext_size: {:?}\nlast_route: {}",
            s.language,
            s.text_size,
            s.last_route.as_deref().unwrap_or("-")
        )
    })
}
