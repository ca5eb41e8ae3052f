//! `dvc catalog search|show|import|update|bundle`

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
    /// Apply a signed catalog bundle from a file (what a sync pass does with the server's
    /// newest): checked against the keys this build trusts, applied only if newer.
    Update {
        /// The `.dvccat` file (`dvc catalog bundle`, `dvc-sync catalog publish --out`).
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Check a catalog folder with the phone's own parser and write it as a signed bundle
    /// (then `dvc-sync catalog publish` puts the same folder on the server).
    Bundle {
        /// The catalog folder (like `assets/catalog`).
        #[arg(long)]
        dir: std::path::PathBuf,
        /// The guides folder (default: `guides` next to `--dir`, when there is one).
        #[arg(long)]
        guides: Option<std::path::PathBuf>,
        /// The private key file made by `dvc-sync catalog keygen`.
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
        /// Write the bundle here.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    if let Cmd::Bundle {
        dir,
        guides,
        key,
        out,
    } = cmd
    {
        return bundle(ctx, &dir, guides, &key, &out);
    }
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
        Cmd::Update { file } => {
            let len = std::fs::metadata(&file)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", file.display())))?
                .len();
            if len > dvc_core::catalog::signed::MAX_BUNDLE_BYTES {
                return Err(CliError::BadInput(format!(
                    "{}: {len} bytes, more than a catalog bundle may have",
                    file.display()
                )));
            }
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", file.display())))?;
            let o = core.catalog_apply_bundle(&bytes)?;
            out::print(ctx, &o, |o| {
                format!(
                    "catalog {} applied ({} procedures, {} forms; {} drafts moved to new forms, {} values dropped)",
                    o.version, o.procedures, o.forms, o.drafts_migrated, o.fields_removed
                )
            })
        }
        Cmd::Bundle { .. } => Ok(()),
    }
}

/// `dvc catalog bundle`: needs no data directory.
fn bundle(
    ctx: &Ctx,
    dir: &std::path::Path,
    guides: Option<std::path::PathBuf>,
    key: &std::path::Path,
    out: &std::path::Path,
) -> Result<(), CliError> {
    use dvc_core::catalog::signed;
    let bad = |what: &std::path::Path, e: &dyn std::fmt::Display| {
        CliError::BadInput(format!("{}: {e}", what.display()))
    };
    let key_text = zeroize::Zeroizing::new(std::fs::read_to_string(key).map_err(|e| bad(key, &e))?);
    let signing = signed::signing_key_from_text(&key_text).map_err(|e| bad(key, &e))?;
    let guides = guides.or_else(|| {
        let g = dir.join("..").join("guides");
        g.join("index.json").is_file().then_some(g)
    });
    let files = signed::read_dirs(dir, guides.as_deref()).map_err(|e| bad(dir, &e))?;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let bytes = signed::build(&files, &signing, &now).map_err(|e| bad(dir, &e))?;
    std::fs::write(out, &bytes).map_err(|e| bad(out, &e))?;
    let header = signed::peek_header(&bytes).map_err(|e| bad(out, &e))?;
    out::print(ctx, &header, |h| {
        format!(
            "catalog {} signed: {} bytes in {}",
            h.catalog_version,
            bytes.len(),
            out.display()
        )
    })
}
