//! Senders over HTTP: an SMS gateway (Vietnamese brand-name SMS gateways are HTTP APIs, each with
//! its own body, so URL, method, body template and headers are configuration) and Zalo
//! Notification Service template messages.
//!
//! Placeholders in the SMS URL and body: `{phone}` (`0xxxxxxxxx`), `{phone84}` (`84xxxxxxxxx`),
//! `{text}`, `{id}` (the message's idempotency key). In a JSON body they are escaped as JSON string
//! content, in a form body and in the URL they are percent-encoded. Only the HTTP status (and, if
//! configured, a marker in the answer) decides success; an answer's body is never logged or
//! stored (it may repeat the number).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use super::{text, Body, Message, Notifier, Recipient, SendError};

/// How long one gateway call may take (well under the outbox's claim lease).
const TIMEOUT: Duration = Duration::from_secs(10);

fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// `84xxxxxxxxx` from `0xxxxxxxxx`.
fn phone84(phone: &str) -> String {
    phone
        .strip_prefix('0')
        .map_or_else(|| phone.to_owned(), |rest| format!("84{rest}"))
}

/// RFC 3986 unreserved characters pass, every other byte is `%XX`.
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON string content (no quotes).
fn json_content(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Fills `{name}` placeholders, each value passed through `escape`.
fn fill(template: &str, values: &[(&str, &str)], escape: impl Fn(&str) -> String) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &escape(value));
    }
    out
}

/// Maps an HTTP answer's status to the outcome.
fn by_status(status: reqwest::StatusCode) -> Result<(), SendError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        Err(SendError::Transient(format!("gateway answered {status}")))
    } else {
        Err(SendError::Permanent(format!("gateway answered {status}")))
    }
}

fn net_error(e: &reqwest::Error) -> SendError {
    if e.is_timeout() {
        SendError::Transient("gateway timed out".into())
    } else {
        SendError::Transient("gateway unreachable".into())
    }
}

/// An SMS gateway's HTTP API.
#[derive(Debug, Clone)]
pub struct SmsHttpConfig {
    /// Endpoint (placeholders allowed, e.g. for GET gateways).
    pub url: String,
    /// `POST` (default) or `GET` (then no body).
    pub method: reqwest::Method,
    /// Body content type: `application/json` or `application/x-www-form-urlencoded` (or other:
    /// values inserted as they are).
    pub content_type: String,
    /// Body template.
    pub body: String,
    /// Extra headers (credentials), `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// If set, a 2xx answer counts only when its body contains this (gateways that answer 200
    /// with an error code inside).
    pub success_contains: Option<String>,
    /// Send the text without diacritics (GSM-only brand-name routes).
    pub ascii: bool,
}

/// SMS through [`SmsHttpConfig`].
#[derive(Debug)]
pub struct SmsHttpNotifier {
    cfg: SmsHttpConfig,
    http: reqwest::Client,
}

impl SmsHttpNotifier {
    /// A sender for `cfg`.
    pub fn new(cfg: SmsHttpConfig) -> Result<SmsHttpNotifier, String> {
        Ok(SmsHttpNotifier {
            cfg,
            http: client()?,
        })
    }
}

#[async_trait]
impl Notifier for SmsHttpNotifier {
    fn kind(&self) -> &'static str {
        "sms-http"
    }

    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let Some(phone) = &to.phone else {
            return Err(SendError::Permanent("no phone number".into()));
        };
        let (_, body_text) = text::render(&msg.body);
        let body_text = if self.cfg.ascii {
            text::ascii(&body_text)
        } else {
            body_text
        };
        let p84 = phone84(phone);
        let values = [
            ("phone", phone.as_str()),
            ("phone84", p84.as_str()),
            ("text", body_text.as_str()),
            ("id", msg.id.as_str()),
        ];
        let url = fill(&self.cfg.url, &values, percent);
        let mut req = self.http.request(self.cfg.method.clone(), url);
        for (name, value) in &self.cfg.headers {
            req = req.header(name, value);
        }
        if self.cfg.method != reqwest::Method::GET {
            let ct = self.cfg.content_type.to_ascii_lowercase();
            let body = if ct.starts_with("application/json") {
                fill(&self.cfg.body, &values, json_content)
            } else if ct.starts_with("application/x-www-form-urlencoded") {
                fill(&self.cfg.body, &values, percent)
            } else {
                fill(&self.cfg.body, &values, str::to_owned)
            };
            req = req
                .header(reqwest::header::CONTENT_TYPE, &self.cfg.content_type)
                .body(body);
        }
        let res = req.send().await.map_err(|e| net_error(&e))?;
        by_status(res.status())?;
        if let Some(marker) = &self.cfg.success_contains {
            let answer = res.text().await.map_err(|e| net_error(&e))?;
            if !answer.contains(marker.as_str()) {
                return Err(SendError::Transient(
                    "gateway answered without its success marker".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Zalo Notification Service: template messages to a phone number.
#[derive(Debug, Clone)]
pub struct ZaloConfig {
    /// `https://business.openapi.zalo.me/message/template` in production.
    pub url: String,
    /// The Official Account's access token (sent in the `access_token` header).
    pub access_token: String,
    /// Template for one-time codes; its parameter: `otp`.
    pub otp_template: Option<String>,
    /// Template for status messages; its parameters: `dossier_code`, `state`.
    pub status_template: Option<String>,
    /// Template for the "already registered" notice (no parameters).
    pub notice_template: Option<String>,
}

/// Zalo ZNS through [`ZaloConfig`].
#[derive(Debug)]
pub struct ZaloNotifier {
    cfg: ZaloConfig,
    http: reqwest::Client,
}

impl ZaloNotifier {
    /// A sender for `cfg`.
    pub fn new(cfg: ZaloConfig) -> Result<ZaloNotifier, String> {
        Ok(ZaloNotifier {
            cfg,
            http: client()?,
        })
    }
}

#[async_trait]
impl Notifier for ZaloNotifier {
    fn kind(&self) -> &'static str {
        "zalo"
    }

    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let Some(phone) = &to.phone else {
            return Err(SendError::Permanent("no phone number".into()));
        };
        let (template, data) = match &msg.body {
            Body::Otp { code, .. } => (&self.cfg.otp_template, json!({ "otp": code })),
            Body::AccountExists => (&self.cfg.notice_template, json!({})),
            Body::Status {
                dossier_code,
                state,
            } => (
                &self.cfg.status_template,
                json!({ "dossier_code": dossier_code, "state": text::state_label(*state) }),
            ),
        };
        let Some(template) = template else {
            return Err(SendError::Permanent(
                "no Zalo template for this message".into(),
            ));
        };
        let res = self
            .http
            .post(&self.cfg.url)
            .header("access_token", &self.cfg.access_token)
            .json(&json!({
                "phone": phone84(phone),
                "template_id": template,
                "template_data": data,
                "tracking_id": msg.id,
            }))
            .send()
            .await
            .map_err(|e| net_error(&e))?;
        by_status(res.status())?;
        let answer: serde_json::Value = res
            .json()
            .await
            .map_err(|_| SendError::Transient("Zalo answered something else than JSON".into()))?;
        match answer.get("error").and_then(serde_json::Value::as_i64) {
            Some(0) => Ok(()),
            Some(code) => Err(SendError::Transient(format!("Zalo error {code}"))),
            None => Err(SendError::Transient(
                "Zalo answered without an error field".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_escaped_for_where_they_go() {
        let values = [("phone", "0912345678"), ("text", "Mã \"1\" & 2")];
        assert_eq!(
            fill(r#"{"to":"{phone}","msg":"{text}"}"#, &values, json_content),
            r#"{"to":"0912345678","msg":"Mã \"1\" & 2"}"#
        );
        assert_eq!(
            fill("to={phone}&msg={text}", &values, percent),
            "to=0912345678&msg=M%C3%A3%20%221%22%20%26%202"
        );
        assert_eq!(phone84("0912345678"), "84912345678");
    }

    #[test]
    fn statuses_map_to_retry_or_give_up() {
        assert!(by_status(reqwest::StatusCode::OK).is_ok());
        assert!(matches!(
            by_status(reqwest::StatusCode::BAD_GATEWAY),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            by_status(reqwest::StatusCode::TOO_MANY_REQUESTS),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            by_status(reqwest::StatusCode::BAD_REQUEST),
            Err(SendError::Permanent(_))
        ));
    }
}
