//! The API story suite, one module per resource as in `src/api/` (plus the console), each story
//! run against SQLite and PostgreSQL alike: `<module>::sqlite::<story>` and
//! `<module>::postgres::<story>`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "../common/mod.rs"]
mod common;

mod after;
mod agencies;
mod auth;
mod blobs;
mod catalog;
mod consent_flow;
mod consents;
mod console;
mod console_records;
mod console_snapshots;
mod deadlines;
mod dossiers;
mod errors;
mod events;
mod handoffs;
mod health;
mod lookup;
mod uploads;
mod visits;

use common::Harness;
use dvc_protocol::dossiers::DossierView;
use reqwest::{Method, StatusCode};

/// A dossier as its owner reads it (`GET /v1/dossiers/{uuid}`), which must answer 200.
async fn view_of(h: &Harness, token: &str, uuid: &str) -> DossierView {
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

/// The kinds of a dossier's events, oldest first.
fn kinds(v: &DossierView) -> Vec<String> {
    v.events
        .iter()
        .map(|e| dvc_sync::domain::event_kind_name(&e.event).to_owned())
        .collect()
}

/// The console's fee form: 200,000 VND to the test agencies' (synthetic) bank account.
const FEE: [(&str, &str); 5] = [
    ("action", "fee"),
    ("amount_vnd", "200.000"),
    ("bank_bin", "970415"),
    ("account_number", "0000123456789"),
    ("account_name", "DEMO CO QUAN"),
];
