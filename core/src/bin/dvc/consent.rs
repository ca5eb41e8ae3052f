//! `dvc consent request|confirm|grant|paper|list|revoke|qr` — filing for someone else with their
//! consent (issue 18). A volunteer asks on the spot (`request`, then the citizen types the code
//! they got: `confirm`); a citizen names a volunteer from their own account (`grant`); a person
//! without a phone signs a paper that is photographed into their documents (`paper`). The
//! volunteer's dossiers for that person then go on their behalf (`dvc sync`).

use clap::Subcommand;

use dvc_core::sync::consent::{ConsentView, Volunteer};

use crate::sync::{runtime, sync_err};
use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Volunteer: a one-time code is sent to the citizen's phone (the citizen types it next).
    Request {
        /// The citizen's mobile number (their account's login).
        #[arg(long)]
        phone: String,
        /// Only this procedure code (repeat for several); absent: every procedure.
        #[arg(long = "procedure", value_name = "CODE")]
        procedures: Vec<String>,
        /// Days the consent lasts, 1 to 365 (default 90).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Volunteer: the code the citizen received, typed on this device.
    Confirm {
        /// The request id `dvc consent request` printed.
        #[arg(long)]
        request: String,
        #[arg(long)]
        code: String,
        /// The person (on this device) the consent is for; default: the one with that phone.
        #[arg(long)]
        person: Option<String>,
    },
    /// Citizen: let a volunteer file for you, named by phone number or by their QR text.
    Grant {
        #[arg(
            long,
            conflicts_with = "volunteer_qr",
            required_unless_present = "volunteer_qr"
        )]
        volunteer_phone: Option<String>,
        #[arg(long)]
        volunteer_qr: Option<String>,
        #[arg(long = "procedure", value_name = "CODE")]
        procedures: Vec<String>,
        #[arg(long)]
        days: Option<u32>,
    },
    /// Volunteer: a signed paper consent, already photographed into the person's documents.
    Paper {
        #[arg(long)]
        person: String,
        /// The document id of the photo (`dvc person show`).
        #[arg(long)]
        document: String,
    },
    /// Consents of the signed-in account and paper consents (--person: one person's);
    /// --refresh asks the server first.
    List {
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        refresh: bool,
    },
    /// Citizen: withdraw a consent you gave (or remove a paper consent).
    Revoke { id: String },
    /// Volunteer: the text of the QR code a citizen scans to name you.
    Qr,
}

fn line(c: &ConsentView) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        c.id,
        c.basis,
        c.status,
        c.citizen_label.as_deref().unwrap_or("-"),
        c.expires_at.as_deref().unwrap_or("-"),
        c.procedures
            .as_ref()
            .map_or_else(|| "*".to_string(), |p| p.join(","))
    )
}

fn opt(v: Vec<String>) -> Option<Vec<String>> {
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        Cmd::Request {
            phone,
            procedures,
            days,
        } => {
            let p = runtime()?
                .block_on(core.consent_request(&phone, opt(procedures), days))
                .map_err(sync_err)?;
            out::print(ctx, &p, |p| {
                format!(
                    "request {}\tcode of {} digits sent, valid {} s\tconsent for {} days",
                    p.request_id, p.code_length, p.expires_in_s, p.valid_days
                )
            })
        }
        Cmd::Confirm {
            request,
            code,
            person,
        } => {
            let c = runtime()?
                .block_on(core.consent_confirm(&request, &code, person.as_deref()))
                .map_err(sync_err)?;
            out::print(ctx, &c, line)
        }
        Cmd::Grant {
            volunteer_phone,
            volunteer_qr,
            procedures,
            days,
        } => {
            let who = match (volunteer_phone, volunteer_qr) {
                (Some(p), None) => Volunteer::Phone(p),
                (None, Some(q)) => Volunteer::Qr(q),
                _ => {
                    return Err(CliError::BadInput(
                        "pass --volunteer-phone or --volunteer-qr".into(),
                    ))
                }
            };
            let c = runtime()?
                .block_on(core.consent_grant(who, opt(procedures), days))
                .map_err(sync_err)?;
            out::print(ctx, &c, line)
        }
        Cmd::Paper { person, document } => {
            let c = core.consent_paper(&person, &document)?;
            out::print(ctx, &c, line)
        }
        Cmd::List { person, refresh } => {
            if refresh {
                runtime()?
                    .block_on(core.consent_refresh())
                    .map_err(sync_err)?;
            }
            let l = core.consent_list(person.as_deref())?;
            out::print(ctx, &l, |l| {
                l.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        Cmd::Revoke { id } => {
            runtime()?
                .block_on(core.consent_withdraw(&id))
                .map_err(sync_err)?;
            out::print(ctx, &serde_json::json!({ "withdrawn": id }), |_| {
                "withdrawn".to_string()
            })
        }
        Cmd::Qr => {
            let qr = core.volunteer_qr().map_err(sync_err)?;
            out::print(ctx, &serde_json::json!({ "qr": qr }), |v| {
                v["qr"].as_str().unwrap_or_default().to_string()
            })
        }
    }
}
