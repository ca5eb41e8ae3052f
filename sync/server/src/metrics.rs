//! A handful of counters in Prometheus text format at `/metrics`. Labels carry no personal data.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

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
