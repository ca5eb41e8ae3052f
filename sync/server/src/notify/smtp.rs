//! E-mail over SMTP (`lettre`, rustls): `smtps://user:pass@host` (TLS) or
//! `smtp://user:pass@host:587?tls=required` (STARTTLS). Plain `smtp://` without TLS is accepted
//! only for a loopback host (a local relay or a test sink).

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{text, Message, Notifier, Recipient, SendError};

/// How long one SMTP conversation may take (well under the outbox's claim lease).
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends status messages (and notices) by e-mail.
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpNotifier").finish_non_exhaustive()
    }
}

/// Whether an SMTP URL encrypts, or stays on this machine.
fn safe_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("smtps://") || lower.contains("tls=required") {
        return true;
    }
    let rest = lower.strip_prefix("smtp://").unwrap_or(&lower);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl SmtpNotifier {
    /// A sender for `url`, writing as `from` (`"Name <addr@host>"`).
    pub fn new(url: &str, from: &str) -> Result<SmtpNotifier, String> {
        if !safe_url(url) {
            return Err(
                "the SMTP URL must use TLS (smtps://… or ?tls=required) unless the \
                        server is on this machine"
                    .into(),
            );
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP URL: {e}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("SMTP sender address: {e}"))?;
        Ok(SmtpNotifier { transport, from })
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    fn kind(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, to: &Recipient, msg: &Message) -> Result<(), SendError> {
        let Some(address) = &to.email else {
            return Err(SendError::Permanent("no e-mail address".into()));
        };
        let to: Mailbox = address
            .parse()
            .map_err(|_| SendError::Permanent("the e-mail address is not valid".into()))?;
        let host = self.from.email.domain().to_owned();
        let (subject, body) = text::render(&msg.body);
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@{host}>", msg.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| SendError::Permanent(format!("building the e-mail: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // The server's words may repeat the address: keep only the status code.
                let code = e
                    .status()
                    .map_or_else(|| "no status".to_owned(), |c| c.to_string());
                if e.is_permanent() {
                    Err(SendError::Permanent(format!("smtp refused ({code})")))
                } else if e.is_timeout() {
                    Err(SendError::Transient("smtp timed out".into()))
                } else {
                    Err(SendError::Transient(format!("smtp failed ({code})")))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_smtp_only_on_this_machine() {
        assert!(safe_url("smtps://u:p@mail.example.vn"));
        assert!(safe_url("smtp://u:p@mail.example.vn:587?tls=required"));
        assert!(safe_url("smtp://127.0.0.1:2525"));
        assert!(safe_url("smtp://localhost:25"));
        assert!(safe_url("smtp://[::1]:2525"));
        assert!(!safe_url("smtp://mail.example.vn:25"));
        assert!(!safe_url("smtp://u:p@10.0.0.5:587?tls=opportunistic"));
        assert!(SmtpNotifier::new("smtp://mail.example.vn", "a <a@b.vn>").is_err());
        assert!(SmtpNotifier::new("smtp://127.0.0.1:2525", "not an address").is_err());
    }
}
