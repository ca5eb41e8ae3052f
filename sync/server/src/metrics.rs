//! Counters and gauges in Prometheus text format at `/metrics`. Labels carry no personal data:
//! agency codes and state names at most.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use dvc_protocol::dossiers::DossierState;

use crate::catalog::Catalog;
use crate::db::OpsFigures;
use crate::deadlines::{self, Status, Step};

macro_rules! counters {
    ($( $field:ident => ($name:literal, $help:literal), )*) => {
        /// Process-wide counters.
        #[derive(Debug, Default)]
        pub struct Metrics {
            $( #[doc = $help] pub $field: AtomicU64, )*
            /// Responses by status class 1xx..5xx.
            pub responses: [AtomicU64; 5],
            /// Sum of request durations in microseconds.
            pub request_micros: AtomicU64,
        }

        impl Metrics {
            /// Prometheus text exposition.
            pub fn render(&self, event_seq: i64, backend: &str) -> String {
                let mut out = String::new();
                $(
                    let _ = writeln!(out, "# HELP {} {}", $name, $help);
                    let _ = writeln!(out, "# TYPE {} counter", $name);
                    let _ = writeln!(out, "{} {}", $name, self.$field.load(Ordering::Relaxed));
                )*
                let _ = writeln!(out, "# HELP dvc_http_responses_total HTTP responses by status class.");
                let _ = writeln!(out, "# TYPE dvc_http_responses_total counter");
                for (i, c) in self.responses.iter().enumerate() {
                    let _ = writeln!(out, "dvc_http_responses_total{{class=\"{}xx\"}} {}", i + 1, c.load(Ordering::Relaxed));
                }
                let _ = writeln!(out, "# HELP dvc_http_request_seconds_total Time spent answering requests.");
                let _ = writeln!(out, "# TYPE dvc_http_request_seconds_total counter");
                let _ = writeln!(out, "dvc_http_request_seconds_total {:.6}", self.request_micros.load(Ordering::Relaxed) as f64 / 1e6);
                let _ = writeln!(out, "# HELP dvc_event_seq Highest event sequence number.");
                let _ = writeln!(out, "# TYPE dvc_event_seq gauge");
                let _ = writeln!(out, "dvc_event_seq{{backend=\"{backend}\"}} {event_seq}");
                out
            }
        }
    };
}

counters! {
    dossiers_created => ("dvc_dossiers_created_total", "Dossiers received (new codes issued)."),
    dossier_repeats => ("dvc_dossier_repeats_total", "Idempotent repeats of a submission."),
    dossier_conflicts => ("dvc_dossier_conflicts_total", "Submissions refused as conflicting."),
    blobs_completed => ("dvc_blobs_completed_total", "Uploads verified and stored."),
    upload_bytes => ("dvc_upload_bytes_total", "Chunk bytes accepted."),
    chunk_rejects => ("dvc_upload_chunk_rejects_total", "Chunks refused (offset or checksum)."),
    events_served => ("dvc_events_served_total", "Events returned by the feed."),
    logins => ("dvc_logins_total", "Successful logins."),
    login_failures => ("dvc_login_failures_total", "Failed logins."),
    rate_limited => ("dvc_rate_limited_total", "Requests refused by a rate limit."),
    transitions => ("dvc_transitions_total", "Dossier state changes by officers or applicants."),
}

impl Metrics {
    /// Adds one.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    /// Records a response.
    pub fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

// The help text of `dvc_dossiers_due_soon` says "today or the next working day".
const _: () = assert!(crate::deadlines::DUE_SOON_WORKING_DAYS == 1);

/// A label value with `\`, `"` and newlines escaped as the exposition format wants.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn gauge_head(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// The gauges read from the database at `now` (unix ms): queue depths by agency and state, the
/// outbox and its lag, due-soon and overdue dossiers by agency, uploads open. Every agency that
/// has a dossier gets a series for every state (zero included), so a queue that empties shows 0
/// rather than vanishing.
pub fn render_ops(fig: &OpsFigures, catalog: &Catalog, now: i64) -> String {
    let mut out = String::new();
    let agencies: BTreeSet<&str> = fig.dossiers.iter().map(|(a, _, _)| a.as_str()).collect();

    gauge_head(
        &mut out,
        "dvc_dossiers",
        "Dossiers by agency and state (received, accepted and paid wait for an officer; supplement_requested and fee_requested for the applicant).",
    );
    for agency in &agencies {
        for state in DossierState::ALL {
            let n: u64 = fig
                .dossiers
                .iter()
                .filter(|(a, s, _)| a == agency && s == state)
                .map(|(_, _, n)| n)
                .sum();
            let _ = writeln!(
                out,
                "dvc_dossiers{{agency=\"{}\",state=\"{}\"}} {n}",
                label(agency),
                state.as_str()
            );
        }
    }

    let mut due_soon: BTreeMap<&str, u64> = agencies.iter().map(|a| (*a, 0)).collect();
    let mut overdue = due_soon.clone();
    for d in &fig.open {
        let steps: Vec<Step> = d
            .steps
            .iter()
            .map(|&(at, state, payment_claim)| Step {
                at,
                state,
                payment_claim,
            })
            .collect();
        let days = catalog
            .procedure(&d.procedure_code)
            .and_then(|p| p.working_days);
        let which = match deadlines::compute(d.received_at, days, &steps, now).status {
            Status::DueSoon => &mut due_soon,
            Status::Overdue => &mut overdue,
            _ => continue,
        };
        *which.entry(d.agency_code.as_str()).or_insert(0) += 1;
    }
    gauge_head(
        &mut out,
        "dvc_dossiers_due_soon",
        "Open dossiers due today or the next working day (the console's \"sắp đến hạn\"), by agency.",
    );
    for (agency, n) in &due_soon {
        let _ = writeln!(
            out,
            "dvc_dossiers_due_soon{{agency=\"{}\"}} {n}",
            label(agency)
        );
    }
    gauge_head(
        &mut out,
        "dvc_dossiers_overdue",
        "Open dossiers past their due date (the console's \"quá hạn\"), by agency.",
    );
    for (agency, n) in &overdue {
        let _ = writeln!(
            out,
            "dvc_dossiers_overdue{{agency=\"{}\"}} {n}",
            label(agency)
        );
    }

    gauge_head(
        &mut out,
        "dvc_outbox_pending",
        "Status messages not yet sent or given up.",
    );
    let _ = writeln!(out, "dvc_outbox_pending {}", fig.outbox_pending);
    gauge_head(
        &mut out,
        "dvc_outbox_due",
        "Pending status messages whose next attempt is due now.",
    );
    let _ = writeln!(out, "dvc_outbox_due {}", fig.outbox_due);
    gauge_head(
        &mut out,
        "dvc_outbox_lag_seconds",
        "How long the oldest due status message has waited past its due time (0 when none is due).",
    );
    let lag_ms = fig
        .outbox_oldest_due
        .map_or(0, |t| now.saturating_sub(t).max(0));
    let _ = writeln!(out, "dvc_outbox_lag_seconds {:.3}", lag_ms as f64 / 1e3);
    gauge_head(
        &mut out,
        "dvc_uploads_open",
        "Resumable uploads started and not finished.",
    );
    let _ = writeln!(out, "dvc_uploads_open {}", fig.uploads_open);
    gauge_head(
        &mut out,
        "dvc_db_figures_up",
        "1 when the database figures above were read, 0 when the database did not answer.",
    );
    let _ = writeln!(out, "dvc_db_figures_up 1");
    out
}

/// What `/metrics` adds when the database figures could not be read.
pub fn render_ops_down() -> String {
    let mut out = String::new();
    gauge_head(
        &mut out,
        "dvc_db_figures_up",
        "1 when the database figures above were read, 0 when the database did not answer.",
    );
    let _ = writeln!(out, "dvc_db_figures_up 0");
    out
}
