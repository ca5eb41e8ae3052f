//! `dvc-protocol`: the sync API's wire types, paths and error codes, shared by the client in
//! `dvc-core` and the server `dvc-sync`. Filled in by the sync-server issue.

/// Protocol version; the server rejects clients with a different major version.
pub const PROTOCOL_VERSION: &str = "1";

/// API path prefix.
pub const API_PREFIX: &str = "/v1";

/// Health check path.
pub const HEALTHZ: &str = "/healthz";
