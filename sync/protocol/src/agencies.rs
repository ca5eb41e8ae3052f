//! Receiving agencies served by a server (so the app never asks a citizen for an agency code).

use serde::{Deserialize, Serialize};

/// One receiving agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyInfo {
    /// QCVN 102:2016 code, e.g. `000.30.27.H23`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Province slug of the bundled catalog (`ha-noi`), when the server knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
}

/// Every agency, ordered by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyList {
    pub agencies: Vec<AgencyInfo>,
}
