//! The error every core service returns, with a stable code and a UI message key.

use std::path::PathBuf;

use crate::secrets::{KeystoreKind, SecretsError};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the database {path} exists but its key is not in the {keystore} keystore; \
         run with the same DVC_KEYSTORE as when it was created"
    )]
    KeyMissing {
        path: PathBuf,
        keystore: KeystoreKind,
    },
    #[error("the key in the {keystore} keystore has the wrong length ({len} bytes)")]
    KeyCorrupt { keystore: KeystoreKind, len: usize },
    #[error("data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Input that breaks a rule; `message_key` is what the UI shows (translated).
    #[error("invalid {field}: {reason}")]
    Invalid {
        field: String,
        reason: String,
        message_key: &'static str,
    },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error(transparent)]
    Document(#[from] crate::documents::DocumentError),
    /// A photo that failed for a reason other than bad input (bad input becomes `Invalid`).
    #[error(transparent)]
    Photo(crate::photo::PhotoError),
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sql(e))
    }
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>, key: &'static str) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
            message_key: key,
        }
    }

    /// Stable machine-readable code (JSON `code` field, logs).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Secrets(SecretsError::OsUnavailable { .. }) => "keystore_unavailable",
            Self::Secrets(SecretsError::UnknownKind(_)) => "keystore_unknown",
            Self::Secrets(SecretsError::FileKeystoreRefused) => "keystore_refused",
            Self::Secrets(_) => "keystore_error",
            Self::Store(StoreError::WrongKey { .. }) => "db_wrong_key",
            Self::Store(StoreError::TooNew { .. }) => "db_too_new",
            Self::Store(_) => "db_error",
            Self::KeyMissing { .. } => "db_key_missing",
            Self::KeyCorrupt { .. } => "db_key_corrupt",
            Self::DataDir { .. } => "data_dir",
            Self::Invalid { .. } => "invalid_input",
            Self::NotFound { .. } => "not_found",
            Self::Document(crate::documents::DocumentError::KeyMissing { .. }) => "doc_key_missing",
            Self::Document(_) => "document_error",
            Self::Photo(e) => e.code(),
        }
    }

    /// Key of the plain-language message the UI shows (`errors.<key>` in the UI dictionaries).
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Invalid { message_key, .. } => message_key,
            Self::NotFound { .. } => "errors.not_found",
            Self::Secrets(
                SecretsError::OsUnavailable { .. }
                | SecretsError::UnknownKind(_)
                | SecretsError::FileKeystoreRefused,
            ) => "errors.keystore_unavailable",
            Self::Store(StoreError::WrongKey { .. })
            | Self::KeyMissing { .. }
            | Self::Document(crate::documents::DocumentError::KeyMissing { .. }) => {
                "errors.db_locked"
            }
            Self::Store(StoreError::TooNew { .. }) => "errors.db_too_new",
            _ => "errors.internal",
        }
    }

    /// Whether the caller's input (not the machine) is at fault: CLI exit code 2.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Invalid { .. }
                | Self::NotFound { .. }
                | Self::Secrets(SecretsError::UnknownKind(_) | SecretsError::FileKeystoreRefused)
        )
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
