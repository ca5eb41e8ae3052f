//! The API's error type: every failure becomes JSON with a stable code ([`dvc_protocol::ErrorCode`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::db::DbError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The body (boxed: keeps `Result<_, ApiError>` small).
    pub body: Box<ErrorBody>,
    code: ErrorCode,
}

impl ApiError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            body: Box::new(ErrorBody::new(code, message)),
            code,
        }
    }
    /// `400.2` for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidField, message).with_field(field)
    }
    /// `400.3` for `header`.
    pub fn header(header: &str, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidHeader, message).with_field(header)
    }
    /// `404.1`.
    pub fn not_found() -> Self {
        ApiError::new(ErrorCode::NotFound, "not found")
    }
    /// `403.1`.
    pub fn forbidden() -> Self {
        ApiError::new(
            ErrorCode::Forbidden,
            "this account's role may not use this route",
        )
    }
    /// `401.1`.
    pub fn unauthenticated() -> Self {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "a valid bearer token is required",
        )
    }
    /// Names the field or header.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }
    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Pool(_) => {
                tracing::error!(error = %err, "database unavailable");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "the database is unavailable; retry later",
                )
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::new(ErrorCode::Internal, "internal error; nothing was changed")
            }
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(err: std::io::Error) -> Self {
        tracing::error!(error = %err, "storage I/O error");
        ApiError::new(ErrorCode::Internal, "internal storage error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.body.retry_after_s;
        let offset = self.body.offset;
        let mut res = (status, axum::Json(*self.body)).into_response();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // Often answered before the body was read to its end: what is left of it is still on
            // the connection, so the client must not send another request on it.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(s) = retry {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let Some(o) = offset {
            if let Ok(v) = HeaderValue::from_str(&o.to_string()) {
                res.headers_mut()
                    .insert(dvc_protocol::blobs::UPLOAD_OFFSET, v);
            }
        }
        res
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;
