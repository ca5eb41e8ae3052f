//! `dvc catalog search|show|import`

use clap::Subcommand;
use dvc_core::catalog::SearchParams;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Search procedures (diacritics optional, everyday words and one typo forgiven), best first.
    Search {
        /// What to look for, e.g. "lam ho chieu". Empty lists the popular procedures.
        query: String,
        /// At most this many results (1–100).
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only this field (lĩnh vực) id, e.g. `ho-tich`.
        #[arg(long)]
        field: Option<String>,
        /// Only this level: commune, province, ministry, other.
        #[arg(long)]
        level: Option<String>,
        /// Only this service level: full, partial.
        #[arg(long)]
        service_level: Option<String>,
    },
    /// Show one procedure by id (passport-domestic) or national code (1.001456).
    Show { id_or_code: String },
    /// Import the bundled catalog if it is newer than the stored one (also done on every start).
    Import,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        Cmd::Search {
            query,
            limit,
            field,
            level,
            service_level,
        } => {
            let hits = core.catalog_search(&SearchParams {
                query,
                limit: Some(limit),
                field,
                level,
                service_level,
            })?;
            out::print(ctx, &hits, |hits| {
                if hits.is_empty() {
                    return "no procedure found".to_string();
                }
                hits.iter()
                    .map(|h| {
                        format!(
                            "{:>6.3}  {:<10} {}  [{}]",
                            h.score,
                            h.code.as_deref().unwrap_or("-"),
                            h.name,
                            h.id
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Cmd::Show { id_or_code } => {
            let p = core.catalog_show(&id_or_code)?;
            out::print(ctx, &p, |v| {
                let p = &v.procedure;
                let mut s = format!(
                    "{} ({})\ncode: {}\n{}\n",
                    p.name,
                    p.id,
                    p.code.as_deref().unwrap_or("-"),
                    p.summary
                );
                for (i, step) in p.steps.iter().enumerate() {
                    s.push_str(&format!("{}. {}\n", i + 1, step.text));
                }
                s.push_str(&format!(
                    "time: {}\nverified: {}",
                    p.processing_time.text, p.verified_at
                ));
                s
            })
        }
        Cmd::Import => {
            let o = core.catalog_import_bundled()?;
            out::print(ctx, &o, |o| {
                if o.imported {
                    format!(
                        "catalog {} imported ({} procedures)",
                        o.version, o.procedures
                    )
                } else {
                    format!("catalog {} is up to date", o.version)
                }
            })
        }
    }
}
