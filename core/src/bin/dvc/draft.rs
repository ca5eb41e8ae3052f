//! `dvc draft new|set|check|submit|list|show|delete` — draft dossiers from the command line.

use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;

use dvc_core::dossier::{check::Problem, form::FieldKind};

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start a draft for a procedure (catalog id or national code).
    New {
        procedure: String,
        /// Applicant (person id) whose profile prefills the form.
        #[arg(long)]
        person: Option<String>,
    },
    /// Set fields: `field=value` … (empty value clears; checkboxes take true/false; multi-select
    /// values are comma-separated).
    Set {
        id: String,
        #[arg(required = true, value_name = "FIELD=VALUE")]
        pairs: Vec<String>,
    },
    /// Attach a photo or scanned page to a component: runs the photo pipeline with the
    /// component's profile and keeps the result in the applicant's encrypted document store.
    Attach {
        id: String,
        component: String,
        file: std::path::PathBuf,
    },
    /// What is still missing or wrong.
    Check { id: String },
    /// Queue the dossier for sending (only when check finds nothing).
    Submit { id: String },
    /// All dossiers, most recent first.
    List,
    /// One dossier with its values and attachments.
    Show { id: String },
    /// Delete a draft.
    Delete { id: String },
}

#[derive(Debug, Serialize)]
struct CheckOut {
    complete: bool,
    problems: Vec<Problem>,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        Cmd::New { procedure, person } => {
            let d = core.draft_new(&procedure, person.as_deref())?;
            out::print(ctx, &d, |d| format!("{}\t{}", d.id, d.procedure_id))
        }
        Cmd::Set { id, pairs } => {
            let form = core.dossier_form(&id)?;
            let mut changes = Vec::new();
            for p in &pairs {
                let (k, v) = p.split_once('=').ok_or_else(|| {
                    CliError::BadInput(format!("expected FIELD=VALUE, got {p:?}"))
                })?;
                let field = form.field(k).ok_or_else(|| {
                    CliError::BadInput(format!("procedure {} has no field {k:?}", form.procedure))
                })?;
                changes.push((k.to_string(), parse_value(field.kind, v)?));
            }
            let revision = core.draft_set(&id, &changes)?;
            out::print(
                ctx,
                &serde_json::json!({"id": id, "revision": revision}),
                |_| format!("saved (revision {revision})"),
            )
        }
        Cmd::Attach {
            id,
            component,
            file,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
            let a = core.draft_attach_photo(&id, &component, &bytes)?;
            out::print(ctx, &a, |a| {
                format!(
                    "attached {} ({}×{}, {} bytes)",
                    component, a.width, a.height, a.bytes
                )
            })
        }
        Cmd::Check { id } => {
            let problems = core.draft_check(&id)?;
            let o = CheckOut {
                complete: problems.is_empty(),
                problems,
            };
            out::print(ctx, &o, |o| {
                if o.complete {
                    "complete".into()
                } else {
                    o.problems
                        .iter()
                        .map(|p| format!("{}\t{}", p.path, p.message_key))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            })
        }
        Cmd::Submit { id } => {
            let q = core.draft_submit(&id)?;
            out::print(ctx, &q, |q| {
                format!("queued {} (revision {})", q.dossier_id, q.revision)
            })
        }
        Cmd::List => {
            let l = core.draft_list()?;
            out::print(ctx, &l, |l| {
                l.iter()
                    .map(|d| format!("{}\t{}\t{:?}", d.id, d.procedure_id, d.state))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Cmd::Show { id } => {
            let d = core.draft_show(&id)?;
            out::print(ctx, &d, |d| {
                serde_json::to_string_pretty(d).unwrap_or_else(|_| d.id.clone())
            })
        }
        Cmd::Delete { id } => {
            core.draft_delete(&id)?;
            out::print(ctx, &serde_json::json!({"id": id, "deleted": true}), |_| {
                "deleted".into()
            })
        }
    }
}

fn parse_value(kind: FieldKind, v: &str) -> Result<Value, CliError> {
    if v.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match kind {
        FieldKind::Checkbox => match v {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" => Value::Bool(false),
            _ => {
                return Err(CliError::BadInput(format!(
                    "checkbox value must be true/false, got {v:?}"
                )))
            }
        },
        FieldKind::Group => serde_json::from_str(v).map_err(|e| {
            CliError::BadInput(format!("a group value is a JSON list of rows: {e}"))
        })?,
        FieldKind::MultiSelect => Value::Array(
            v.split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .collect(),
        ),
        _ => Value::String(v.to_string()),
    })
}
