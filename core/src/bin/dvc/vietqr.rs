//! `dvc vietqr decode|encode` — VietQR payloads (EMVCo, NAPAS) for paying fees by bank transfer.
//! `dvc dossier pay-qr` (in `sync.rs`'s dossier group) calls [`pay_qr`] here.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use dvc_core::vietqr::{self, Service, VietQr};

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Read a payload: check its CRC and fields, print what it says.
    Decode {
        /// The payload text (what the QR code holds).
        payload: String,
    },
    /// Make a payload from its fields.
    Encode(EncodeArgs),
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// NAPAS bank BIN, 6 digits (e.g. 970415).
    #[arg(long = "bin", value_name = "BIN")]
    bank_bin: String,
    /// Account number (or card number with --card).
    #[arg(long)]
    account: String,
    /// Amount in đồng (makes a dynamic QR); without it the payer types the amount.
    #[arg(long = "amount", value_name = "VND")]
    amount_vnd: Option<u64>,
    /// Transfer note, at most 25 characters; Vietnamese diacritics are removed.
    #[arg(long)]
    purpose: Option<String>,
    /// Pay to a card number (QRIBFTTC) instead of an account (QRIBFTTA).
    #[arg(long)]
    card: bool,
    /// Also write the QR code as an SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Decoded {
    #[serde(flatten)]
    qr: VietQr,
    /// Point of initiation 12 (one payment, with amount) rather than 11.
    dynamic: bool,
}

#[derive(Debug, Serialize)]
struct Encoded {
    payload: String,
    #[serde(flatten)]
    qr: VietQr,
    #[serde(skip_serializing_if = "Option::is_none")]
    svg: Option<PathBuf>,
}

fn human(q: &VietQr) -> String {
    let mut s = format!(
        "bank_bin: {}\naccount: {}\nservice: {}",
        q.bank_bin,
        q.account,
        q.service.code()
    );
    if let Some(a) = q.amount_vnd {
        s.push_str(&format!("\namount_vnd: {a}"));
    }
    if let Some(p) = &q.purpose {
        s.push_str(&format!("\npurpose: {p}"));
    }
    for (tag, value) in q.extra.iter().chain(&q.additional) {
        s.push_str(&format!("\ntag {tag}: {value}"));
    }
    s
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Decode { payload } => {
            // A pasted payload may carry a line break; the payload itself never has edge spaces.
            let q = vietqr::decode(payload.trim_matches(|c: char| c.is_ascii_whitespace()))
                .map_err(|e| CliError::BadInput(format!("not a valid VietQR payload: {e}")))?;
            let o = Decoded {
                dynamic: q.is_dynamic(),
                qr: q,
            };
            out::print(ctx, &o, |o| human(&o.qr))
        }
        Cmd::Encode(a) => {
            let q = VietQr {
                service: if a.card {
                    Service::ToCard
                } else {
                    Service::ToAccount
                },
                amount_vnd: a.amount_vnd,
                purpose: a.purpose,
                ..VietQr::to_account(a.bank_bin, a.account)
            };
            let payload = vietqr::encode(&q).map_err(|e| CliError::BadInput(e.to_string()))?;
            if let Some(path) = &a.svg {
                write_svg(path, &payload)?;
            }
            // What the payload holds (the purpose as transliterated).
            let qr = vietqr::decode(&payload).map_err(|e| {
                CliError::Failed(format!("the payload made does not read back: {e}"))
            })?;
            let o = Encoded {
                payload,
                qr,
                svg: a.svg,
            };
            out::print(ctx, &o, |o| o.payload.clone())
        }
    }
}

fn write_svg(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let svg = vietqr::qr_svg(text).map_err(|e| CliError::BadInput(e.to_string()))?;
    std::fs::write(path, svg)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}

/// `dvc dossier pay-qr <id> [--svg FILE]`.
pub fn pay_qr(
    ctx: &Ctx,
    core: &dvc_core::Core,
    id: &str,
    svg: Option<PathBuf>,
) -> Result<(), CliError> {
    let p = core.dossier_pay_qr(id)?;
    if let Some(path) = &svg {
        write_svg(path, &p.payload)?;
    }
    out::print(ctx, &p, |p| {
        format!(
            "{}\n{} đ to {} / {} ({}), note {}{}",
            p.payload,
            p.amount_vnd,
            p.bank_bin,
            p.account_number,
            p.account_name,
            p.purpose,
            if p.paid { " — paid" } else { "" }
        )
    })
}
