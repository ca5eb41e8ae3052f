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

/// Whether a field name the client sent is a plain identifier (`ho_ten`), safe to name back;
/// anything else (digits, spaces, unicode) may be a phone number or a name.
fn plain_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A serde error message without the values the client sent: serde quotes them (`unknown variant
/// `0912345678``, `invalid type: string "Nguyễn Văn A"`), and an error body or log line must
/// never carry personal data. Field names stay when they are [`plain_name`]s; the expected names
/// (ours) stay.
pub fn redact_serde_message(msg: &str) -> String {
    let mut out = msg.to_owned();
    for marker in ["unknown field `", "unknown variant `"] {
        if let Some(i) = out.find(marker) {
            let start = i + marker.len();
            if let Some(len) = out[start..].find('`') {
                let value = &out[start..start + len];
                if marker.starts_with("unknown variant") || !plain_name(value) {
                    out.replace_range(start..start + len, "…");
                }
            }
        }
    }
    for marker in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(i) = out.find(marker) {
            let start = i + marker.len();
            if let Some(len) = out[start..].rfind(", expected") {
                // keep the kind (`string`, `integer`), drop the value after it
                let unexpected = &out[start..start + len];
                if let Some(cut) = unexpected.find([' ', '`', '"']) {
                    out.replace_range(start + cut..start + len, "");
                }
            }
        }
    }
    out
}

/// [`redact_serde_message`] for axum's query rejection, whose text names the offending key first
/// (`Failed to deserialize query string: 0912345678: unknown field …`).
fn redact_query_message(msg: &str) -> String {
    const PREFIX: &str = "Failed to deserialize query string: ";
    let Some(rest) = msg.strip_prefix(PREFIX) else {
        return redact_serde_message(msg);
    };
    let rest = match rest.split_once(": ") {
        Some((key, tail)) if !key.contains(' ') && !plain_name(key) => format!("…: {tail}"),
        _ => rest.to_owned(),
    };
    format!("{PREFIX}{}", redact_serde_message(&rest))
}

/// `400.1` from a serde error, naming the field (`form.ho_ten`, `attachments[0].sha256`).
pub fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let msg = redact_serde_message(&inner.to_string());
    // A map key in the path is the client's text (`form.0912345678`): named only when plain.
    let path = path
        .split('.')
        .map(|seg| {
            let name = seg.split('[').next().unwrap_or_default();
            if name.is_empty() || plain_name(name) {
                seg
            } else {
                "…"
            }
        })
        .collect::<Vec<_>>()
        .join(".");
    let mut field = if path == "." || path.is_empty() {
        String::new()
    } else {
        path
    };
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = msg.split(marker).nth(1) {
            if let Some(name) = rest.split('`').next().filter(|n| plain_name(n)) {
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

/// Whether JSON text holds a string with a NUL character (the `\u0000` escape: a raw NUL byte is
/// no JSON). PostgreSQL's text cannot hold one, and no field of ours has a use for it.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Parses JSON bytes into `T`; a NUL character in any string is `400.1`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(bytes) {
        return Err(ApiError::new(
            ErrorCode::MalformedJson,
            "malformed JSON: text must not contain the NUL character (\\u0000)",
        ));
    }
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
        if has_encoded_nul(q) {
            return Err(ApiError::invalid(
                "query",
                "the NUL character (%00) is not allowed",
            ));
        }
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
        let msg = redact_query_message(&e.body_text());
        let field = msg
            .split("field `")
            .nth(1)
            .and_then(|r| r.split('`').next())
            .filter(|n| plain_name(n))
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

/// Whether a URL part holds an encoded NUL character (`%00`).
fn has_encoded_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

/// One path parameter as a string (axum's rejection turned into `400.2`; one with a NUL
/// character, which no id has and PostgreSQL's text cannot hold, is `404.1`).
#[derive(Debug)]
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("path", e.body_text()))
            .and_then(|axum::extract::Path(s)| {
                if s.contains('\0') {
                    Err(ApiError::not_found())
                } else {
                    Ok(ApiPath(s))
                }
            })
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

    /// Found by tests/fuzz_openapi.rs: serde quoted the values and unknown keys the client sent
    /// (a phone number as a role, an ID number as a key) into the error body.
    #[test]
    fn json_errors_do_not_echo_what_was_sent() {
        use dvc_protocol::auth::{LoginRequest, RegisterRequest};
        for body in [
            r#"{"phone":"0912345678","password":"x","role":"0912345678"}"#,
            r#"{"phone":"0912345678","password":"x","role":"citizen","079185000321":1}"#,
            r#"{"phone":0912345678}"#,
            r#"{"phone":912345678,"password":"x","role":"citizen"}"#,
            r#"{"phone":["0912345678"],"password":"x","role":"citizen"}"#,
            r#"{"phone":"p","password":"x","role":"citizen","full_name":{"Nguyễn Văn A":1}}"#,
        ] {
            let e = parse_json::<RegisterRequest>(body.as_bytes()).unwrap_err();
            let text = serde_json::to_string(&*e.body).unwrap();
            for secret in ["0912345678", "912345678", "079185000321", "Nguyễn"] {
                assert!(!text.contains(secret), "{body} → {text}");
            }
            assert_eq!(e.code(), ErrorCode::MalformedJson);
        }
        let e =
            parse_json::<LoginRequest>(br#"{"login":"a","password":"b","extra":1}"#).unwrap_err();
        assert_eq!(
            e.body.field.as_deref(),
            Some("extra"),
            "plain names are still named"
        );
        assert!(e.body.message.contains("`extra`"), "{}", e.body.message);
        let e = parse_json::<RegisterRequest>(br#"{"phone":1}"#).unwrap_err();
        assert!(
            e.body.message.contains("invalid type: integer, expected"),
            "{}",
            e.body.message
        );
        for q in ["state=0912345678", "0912345678=1", "state=a&079185000321=x"] {
            let r: Result<ListQ, _> = serde_urlencoded_de(q);
            let text = serde_json::to_string(&*r.unwrap_err().body).unwrap();
            assert!(
                !text.contains("0912345678") && !text.contains("079185000321"),
                "{q} → {text}"
            );
        }
    }

    /// Found by tests/fuzz_openapi.rs on PostgreSQL: a NUL character in a JSON string reached a
    /// text column and the server answered 500.
    #[test]
    fn nul_characters_are_refused() {
        let e = parse_json::<serde_json::Value>(br#"{"name":"a\u0000b"}"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedJson);
        let e = parse_json::<serde_json::Value>(br#"["\u0000"]"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedJson);
        // an escaped backslash followed by the text `u0000` is no NUL
        let v = parse_json::<serde_json::Value>(br#"{"name":"a\\u0000b"}"#).unwrap();
        assert_eq!(v["name"], "a\\u0000b");
        let v = parse_json::<serde_json::Value>(br#"{"name":"a\u0001b"}"#).unwrap();
        assert_eq!(v["name"], "a\u{1}b");
        let q: Result<ListQ, _> = serde_urlencoded_de("state=citizen");
        assert!(q.is_ok());
        assert!(has_encoded_nul("q=a%00b") && !has_encoded_nul("q=a%2500"));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct ListQ {
        state: Option<dvc_protocol::auth::Role>,
    }
}
