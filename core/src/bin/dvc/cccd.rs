//! `dvc cccd parse|scan` — read a CCCD QR payload, from text or from a photo of the card.

use std::path::PathBuf;

use clap::Subcommand;
use dvc_core::cccd::{self, CccdData};
use dvc_core::qrscan;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Parse the text of a CCCD QR code ("079…|…|Họ tên|ddmmyyyy|Nam|Địa chỉ|ddmmyyyy").
    Parse { payload: String },
    /// Decode the QR code in a photo (JPEG, PNG, WebP) and parse it.
    Scan { image: PathBuf },
}

fn human(c: &CccdData) -> String {
    let mut s = format!(
        "id_number: {}\nold_id_number: {}\nfull_name: {}\ndate_of_birth: {}\nsex: {}\naddress: {}\nissue_date: {}",
        c.id_number,
        c.old_id_number.as_deref().unwrap_or("-"),
        c.full_name,
        c.date_of_birth,
        c.sex.as_str(),
        c.address,
        c.issue_date
    );
    for w in &c.warnings {
        s.push_str(&format!("\nwarning: {}", w.message_key()));
    }
    s
}

/// Reads a photo and returns the parsed card.
pub fn scan_file(path: &PathBuf) -> Result<CccdData, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let scan = qrscan::decode_qr(&bytes, qrscan::DEFAULT_BUDGET)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    cccd::parse_bytes(&scan.payload).map_err(|e| CliError::BadInput(e.to_string()))
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let card = match cmd {
        Cmd::Parse { payload } => {
            cccd::parse(&payload).map_err(|e| CliError::BadInput(e.to_string()))?
        }
        Cmd::Scan { image } => scan_file(&image)?,
    };
    out::print(ctx, &card, human)
}
