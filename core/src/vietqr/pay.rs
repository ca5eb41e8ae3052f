//! The VietQR for paying a dossier's fee: built from the latest `fee_requested` event the sync
//! client stored in the dossier's timeline (`dossier_timeline.detail` holds the event JSON,
//! migration 0005). Purpose = the transfer note the agency asked for (the dossier code).

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use dvc_protocol::events::EventKind;

use super::{encode, VietQr};
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::Core;

/// What the fee screen and `dvc dossier pay-qr` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayQr {
    pub dossier_id: String,
    /// Mã hồ sơ.
    pub code: String,
    /// The dossier's state on the server as last synced (`fee_requested`, `paid`, …).
    pub state: String,
    pub amount_vnd: u64,
    pub bank_bin: String,
    pub account_number: String,
    /// Account holder (the agency), to show next to the code; not part of the payload.
    pub account_name: String,
    /// The transfer note as written in the payload (ASCII, ≤ 25 characters).
    pub purpose: String,
    /// When the fee was requested (RFC 3339).
    pub requested_at: String,
    /// Whether the officer confirmed the payment after this request.
    pub paid: bool,
    /// The EMVCo payload to render as a QR code.
    pub payload: String,
}

/// The latest fee request of a dossier as a VietQR. Errors: unknown dossier (`not_found`), no fee
/// requested yet (`vietqr.no_fee_request`), or an account the server sent that a VietQR cannot
/// hold (the [`super::VietQrError`]'s key).
pub fn pay_qr(store: &Store, dossier_id: &str) -> Result<PayQr> {
    let found = store.read(|c| -> Result<_> {
        let remote: Option<(String, String)> = c
            .query_row(
                "SELECT code, state FROM dossier_remote WHERE dossier_id = ?1",
                [dossier_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let exists: bool = c.query_row(
            "SELECT EXISTS(SELECT 1 FROM dossiers WHERE id = ?1)",
            [dossier_id],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(None);
        }
        let fee: Option<(i64, Option<String>, String)> = c
            .query_row(
                "SELECT id, detail, at FROM dossier_timeline
                 WHERE dossier_id = ?1 AND kind = 'fee_requested' ORDER BY id DESC LIMIT 1",
                [dossier_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let paid = match &fee {
            Some((row, _, _)) => c.query_row(
                "SELECT EXISTS(SELECT 1 FROM dossier_timeline
                               WHERE dossier_id = ?1 AND kind = 'paid' AND id > ?2)",
                params![dossier_id, row],
                |r| r.get(0),
            )?,
            None => false,
        };
        Ok(Some((remote, fee, paid)))
    })?;
    let Some((remote, fee, paid)) = found else {
        return Err(CoreError::NotFound {
            what: format!("dossier {dossier_id}"),
        });
    };
    let no_fee = || {
        CoreError::invalid(
            "dossier",
            format!("dossier {dossier_id} has no fee request"),
            "vietqr.no_fee_request",
        )
    };
    let (Some((code, state)), Some((_, detail, requested_at))) = (remote, fee) else {
        return Err(no_fee());
    };
    let event: EventKind = detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or_else(no_fee)?;
    let EventKind::FeeRequested {
        amount_vnd,
        bank,
        transfer_note,
    } = event
    else {
        return Err(no_fee());
    };
    let note = if transfer_note.trim().is_empty() {
        code.clone()
    } else {
        transfer_note
    };
    let q = VietQr {
        amount_vnd: Some(amount_vnd),
        purpose: Some(note),
        ..VietQr::to_account(bank.bank_bin.clone(), bank.account_number.clone())
    };
    let payload = encode(&q).inspect_err(|e| {
        tracing::warn!(dossier_id, error = %e, "fee request cannot be a VietQR");
    })?;
    Ok(PayQr {
        dossier_id: dossier_id.to_string(),
        code,
        state,
        amount_vnd,
        bank_bin: bank.bank_bin,
        account_number: bank.account_number,
        account_name: bank.account_name,
        purpose: super::ascii_purpose(q.purpose.as_deref().unwrap_or_default()),
        requested_at,
        paid,
        payload,
    })
}

impl Core {
    /// See [`pay_qr`].
    pub fn dossier_pay_qr(&self, dossier_id: &str) -> Result<PayQr> {
        pay_qr(self.store(), dossier_id)
    }
}
