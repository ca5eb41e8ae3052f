//! Catalog updates: the server publishes signed catalog bundles (`dvc-sync catalog publish`; the
//! file format and its signature are `dvc_core::catalog::signed`); phones ask for the newest on
//! each sync and download it when it is newer than theirs.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// The signed bundle file (`dvc-sync catalog publish` writes it, the phones read it).
#[cfg(feature = "bundle")]
#[path = "catalog_bundle.rs"]
pub mod bundle;

/// `GET /v1/catalog/latest`: the newest published bundle. Anonymous; `ETag` is the quoted
/// SHA-256 (`If-None-Match` → `304`); `404` (`404.1`) while nothing is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogLatest {
    /// Dotted catalog version (`2026.12.20.1`), as in the bundle's `manifest.json`.
    pub version: String,
    /// Bundle bytes.
    pub size: u64,
    /// Hex SHA-256 of the whole bundle file.
    pub sha256: String,
    /// When it was published, RFC 3339 UTC.
    pub published_at: String,
}

/// Largest bundle the server publishes (and a phone downloads): 16 MiB.
pub const MAX_BUNDLE_BYTES: u64 = 16 * 1024 * 1024;

/// Whether `s` is a dotted-integer catalog version (`2026.12.20.1`): 1–8 groups of 1–9 digits.
pub fn is_version(s: &str) -> bool {
    let groups: Vec<&str> = s.split('.').collect();
    (1..=8).contains(&groups.len())
        && groups
            .iter()
            .all(|g| (1..=9).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Compares dotted-integer versions ("2026.11.23.1") part by part (missing parts are 0); `None`
/// if either is malformed.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let parse = |s: &str| -> Option<Vec<u64>> {
        s.split('.')
            .map(|p| {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    p.parse().ok()
                }
            })
            .collect()
    };
    let (mut a, mut b) = (parse(a)?, parse(b)?);
    let n = a.len().max(b.len());
    a.resize(n, 0);
    b.resize(n, 0);
    Some(a.cmp(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["2026.12.20.1", "1", "2026.1.1"] {
            assert!(is_version(ok), "{ok}");
        }
        for bad in [
            "",
            "2026..1",
            "v1",
            "1.2.x",
            "../1",
            "1.2.3.4.5.6.7.8.9",
            "1234567890",
        ] {
            assert!(!is_version(bad), "{bad}");
        }
    }
}
