//! Request decoders that answer bad input with the stable JSON errors: oversized bodies → `413.1`,
//! malformed JSON → `400.1` naming the field, wrong content type → `415.1`, bad path or query →
//! `400.2` naming the parameter.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use dvc_protocol::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Reads a body of at most `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        if stalled(&err) {
            tracing::info!("request body stalled; connection dropped");
            ApiError::new(
                ErrorCode::Unavailable,
                "the request body stopped arriving; send it again",
            )
        } else {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {limit} bytes"),
            )
        }
    })
}

/// Whether reading a body failed because the client paused longer than the server allows
/// ([`crate::config::HttpLimits::body_idle_timeout`]).
fn stalled(err: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// `400.1` from a serde error, naming the field (`form.ho_ten`, `attachments[0].sha256`).
pub fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let msg = inner.to_string();
    let mut field = if path == "." { String::new() } else { path };
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = msg.split(marker).nth(1) {
            if let Some(name) = rest.split('`').next() {
                if field.is_empty() {
                    field = name.to_owned();
                } else if !(field == name || field.ends_with(&format!(".{name}"))) {
                    field = format!("{field}.{name}");
                }
            }
        }
    }
    let mut e = ApiError::new(ErrorCode::MalformedJson, format!("malformed JSON: {msg}"));
    if !field.is_empty() {
        e = e.with_field(field);
    }
    e
}

/// Parses JSON bytes into `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(de).map_err(json_error)?;
    Ok(value)
}

fn is_json(parts_ct: Option<&axum::http::HeaderValue>) -> bool {
    parts_ct
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let ct = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// A JSON body, decoded with the API's error rules.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body kept as bytes (for routes that hash the exact content too).
#[derive(Debug)]
pub struct JsonBytes(pub bytes::Bytes);

impl FromRequest<AppState> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        json_bytes(req, state).await.map(JsonBytes)
    }
}

async fn json_bytes(req: Request, state: &AppState) -> Result<bytes::Bytes, ApiError> {
    if !is_json(req.headers().get(CONTENT_TYPE)) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "expected Content-Type: application/json",
        ));
    }
    read_body(req.into_body(), state.cfg.max_json_bytes).await
}

/// Query parameters, decoded with the API's error rules.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded_de(q)?;
        Ok(ApiQuery(de))
    }
}

fn serde_urlencoded_de<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}")
            .parse()
            .map_err(|_| ApiError::invalid("query", "invalid query string"))?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| {
        let msg = e.body_text();
        let field = msg
            .split("field `")
            .nth(1)
            .and_then(|r| r.split('`').next())
            .unwrap_or("query")
            .to_owned();
        ApiError::invalid(field, msg)
    })
}

/// An integer query parameter in `min..=max` (`default` when absent), else `400.2` naming it.
pub fn int_param(
    name: &str,
    v: Option<&str>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ApiError> {
    match v {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| ApiError::invalid(name, format!("an integer from {min} to {max}"))),
    }
}

/// One path parameter as a string (axum's rejection turned into `400.2`).
#[derive(Debug)]
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(s)| ApiPath(s))
            .map_err(|e| ApiError::invalid("path", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dvc_protocol::dossiers::DossierManifest;

    #[test]
    fn json_errors_name_the_field() {
        let e = parse_json::<DossierManifest>(br#"{"procedure_code": 5}"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedJson);
        assert_eq!(e.body.field.as_deref(), Some("procedure_code"));
        let e = parse_json::<DossierManifest>(br#"{"procedure_code": "1"}"#).unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("agency_code"));
        let e = parse_json::<DossierManifest>(
            br#"{"procedure_code":"1","agency_code":"A","form":{},"delivery":{"method":"online"},"attachments":[{"kind":"k","sha256":1}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("attachments[0].sha256"));
        let e = parse_json::<DossierManifest>(b"{").unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedJson);
    }
}
