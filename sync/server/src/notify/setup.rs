//! `dvc-sync serve` options for accounts and messages: trusted proxies, which sender serves which
//! channel, and the outbox worker. Without a real SMS or Zalo sender (or the explicit development
//! flags), self-registration and password reset by code are off, and start-up says so.

use std::path::PathBuf;
use std::sync::Arc;

use super::http::{SmsHttpConfig, SmsHttpNotifier, ZaloConfig, ZaloNotifier};
use super::outbox::OutboxConfig;
use super::smtp::SmtpNotifier;
use super::{FileNotifier, LogNotifier, Notifier, Notifiers};
use crate::limits::AuthConfig;

/// Options of `serve` (flattened into its command line).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AccountArgs {
    /// Reverse proxies (CIDR, comma-separated) whose `Forwarded` / `X-Forwarded-For` name the
    /// client; from any other peer those headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "DVC_SYNC_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// DEVELOPMENT ONLY: one-time codes are written to the log (WARN) instead of being sent.
    #[arg(long, env = "DVC_SYNC_DEV_LOG_MESSAGES")]
    pub dev_log_messages: bool,
    /// DEVELOPMENT AND TESTS ONLY: every message (codes and status messages on all channels) is
    /// appended as a JSON line to this file instead of being sent.
    #[arg(long, env = "DVC_SYNC_DEV_MESSAGE_FILE")]
    pub dev_message_file: Option<PathBuf>,
    /// SMTP server for e-mail status messages: `smtps://user:pass@host` or
    /// `smtp://user:pass@host:587?tls=required` (plain `smtp://` only on this machine).
    #[arg(long, env = "DVC_SYNC_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender of e-mails.
    #[arg(
        long,
        env = "DVC_SYNC_SMTP_FROM",
        default_value = "DVC Đồng Hành <no-reply@localhost>"
    )]
    pub smtp_from: String,
    /// SMS gateway endpoint (placeholders `{phone}`, `{phone84}`, `{text}`, `{id}`).
    #[arg(long, env = "DVC_SYNC_SMS_URL")]
    pub sms_url: Option<String>,
    /// SMS gateway method: POST or GET.
    #[arg(long, env = "DVC_SYNC_SMS_METHOD", default_value = "POST")]
    pub sms_method: String,
    /// SMS gateway body content type.
    #[arg(
        long,
        env = "DVC_SYNC_SMS_CONTENT_TYPE",
        default_value = "application/json"
    )]
    pub sms_content_type: String,
    /// SMS gateway body template.
    #[arg(
        long,
        env = "DVC_SYNC_SMS_BODY",
        default_value = r#"{"to":"{phone}","text":"{text}","id":"{id}"}"#
    )]
    pub sms_body: String,
    /// SMS gateway header, `Name: value` (repeatable; e.g. credentials).
    #[arg(
        long = "sms-header",
        env = "DVC_SYNC_SMS_HEADERS",
        value_delimiter = '\n'
    )]
    pub sms_headers: Vec<String>,
    /// A 2xx answer counts as sent only if it contains this text.
    #[arg(long, env = "DVC_SYNC_SMS_SUCCESS_CONTAINS")]
    pub sms_success_contains: Option<String>,
    /// Send SMS text without diacritics (GSM-only routes).
    #[arg(long, env = "DVC_SYNC_SMS_ASCII")]
    pub sms_ascii: bool,
    /// Zalo ZNS endpoint.
    #[arg(
        long,
        env = "DVC_SYNC_ZALO_URL",
        default_value = "https://business.openapi.zalo.me/message/template"
    )]
    pub zalo_url: String,
    /// Zalo Official Account access token: turns the Zalo channel on.
    #[arg(long, env = "DVC_SYNC_ZALO_ACCESS_TOKEN")]
    pub zalo_access_token: Option<String>,
    /// ZNS template for one-time codes (parameter `otp`).
    #[arg(long, env = "DVC_SYNC_ZALO_OTP_TEMPLATE")]
    pub zalo_otp_template: Option<String>,
    /// ZNS template for status messages (parameters `dossier_code`, `state`).
    #[arg(long, env = "DVC_SYNC_ZALO_STATUS_TEMPLATE")]
    pub zalo_status_template: Option<String>,
    /// ZNS template for the "number already registered" notice.
    #[arg(long, env = "DVC_SYNC_ZALO_NOTICE_TEMPLATE")]
    pub zalo_notice_template: Option<String>,
    /// Which channel carries one-time codes: `sms` or `zalo` (default: SMS when a gateway is set,
    /// else Zalo when it has an OTP template).
    #[arg(long, env = "DVC_SYNC_OTP_CHANNEL")]
    pub otp_channel: Option<String>,
    /// Status messages are written but not sent (e.g. while a gateway is down); they go out once
    /// a server runs without this.
    #[arg(long, env = "DVC_SYNC_OUTBOX_PAUSED")]
    pub outbox_paused: bool,
    /// Pause between looks at the outbox, ms.
    #[arg(long, env = "DVC_SYNC_OUTBOX_POLL_MS", default_value_t = 1000)]
    pub outbox_poll_ms: u64,
    /// First retry delay of a status message, ms (doubling up to an hour).
    #[arg(long, env = "DVC_SYNC_OUTBOX_BACKOFF_MS", default_value_t = 30_000)]
    pub outbox_backoff_ms: i64,
    /// Attempts before a status message is given up.
    #[arg(long, env = "DVC_SYNC_OUTBOX_MAX_ATTEMPTS", default_value_t = 10)]
    pub outbox_max_attempts: i64,
}

/// What the options set up.
pub struct AccountSetup {
    /// The senders.
    pub notifiers: Notifiers,
    /// The worker's settings; `None` when paused.
    pub outbox: Option<OutboxConfig>,
    /// Lines to print at start-up (what is on, what is off and why).
    pub notes: Vec<String>,
}

impl AccountArgs {
    /// Builds the senders and applies the account options to `auth`.
    pub fn build(&self, auth: &mut AuthConfig) -> Result<AccountSetup, String> {
        auth.trusted_proxies = self
            .trusted_proxies
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                let s = s.trim();
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("--trusted-proxy {s:?}: not an address or CIDR range"))
            })
            .collect::<Result<_, _>>()?;
        let mut notes = Vec::new();
        let mut n = Notifiers::default();
        if let Some(path) = &self.dev_message_file {
            n = Notifiers::all(Arc::new(FileNotifier::new(path.clone())));
            notes.push(format!(
                "DEVELOPMENT: every message is written to {} instead of being sent",
                path.display()
            ));
        } else if self.dev_log_messages {
            n.otp = Some(Arc::new(LogNotifier));
            notes.push("DEVELOPMENT: one-time codes are written to the log, not sent".into());
        }
        let sms: Option<Arc<dyn Notifier>> = match &self.sms_url {
            Some(url) => Some(Arc::new(SmsHttpNotifier::new(SmsHttpConfig {
                url: url.clone(),
                method: self
                    .sms_method
                    .to_ascii_uppercase()
                    .parse()
                    .map_err(|_| "--sms-method: POST or GET".to_owned())?,
                content_type: self.sms_content_type.clone(),
                body: self.sms_body.clone(),
                headers: self
                    .sms_headers
                    .iter()
                    .filter(|h| !h.trim().is_empty())
                    .map(|h| {
                        h.split_once(':')
                            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                            .ok_or_else(|| "--sms-header: `Name: value`".to_owned())
                    })
                    .collect::<Result<_, _>>()?,
                success_contains: self.sms_success_contains.clone(),
                ascii: self.sms_ascii,
            })?)),
            None => None,
        };
        let zalo: Option<Arc<dyn Notifier>> = match &self.zalo_access_token {
            Some(token) => Some(Arc::new(ZaloNotifier::new(ZaloConfig {
                url: self.zalo_url.clone(),
                access_token: token.clone(),
                otp_template: self.zalo_otp_template.clone(),
                status_template: self.zalo_status_template.clone(),
                notice_template: self.zalo_notice_template.clone(),
            })?)),
            None => None,
        };
        let email: Option<Arc<dyn Notifier>> = match &self.smtp_url {
            Some(url) => Some(Arc::new(SmtpNotifier::new(url, &self.smtp_from)?)),
            None => None,
        };
        let otp_by_zalo = zalo.is_some() && self.zalo_otp_template.is_some();
        let otp: Option<Arc<dyn Notifier>> = match self.otp_channel.as_deref() {
            Some("sms") => Some(sms.clone().ok_or("--otp-channel sms needs --sms-url")?),
            Some("zalo") if otp_by_zalo => zalo.clone(),
            Some("zalo") => {
                return Err(
                    "--otp-channel zalo needs --zalo-access-token and --zalo-otp-template".into(),
                )
            }
            Some(other) => return Err(format!("--otp-channel {other:?}: sms or zalo")),
            None => sms.clone().or_else(|| zalo.clone().filter(|_| otp_by_zalo)),
        };
        if otp.is_some() {
            n.otp = otp;
        }
        n.sms = sms.or(n.sms);
        n.email = email.or(n.email);
        n.zalo = zalo.or(n.zalo);
        auth.self_service = n.otp.is_some();
        if !auth.self_service {
            notes.push(
                "registration and password reset by code are OFF: no SMS or Zalo sender is \
                 configured (--sms-url, or --zalo-access-token with --zalo-otp-template; for \
                 development --dev-log-messages)"
                    .into(),
            );
        }
        let channels: Vec<&str> = n.channels().iter().map(|c| c.as_str()).collect();
        notes.push(if channels.is_empty() {
            "status messages: no channel configured (--sms-url, --smtp-url, --zalo-access-token)"
                .into()
        } else {
            format!("status messages by: {}", channels.join(", "))
        });
        let outbox = if self.outbox_paused {
            notes.push("the outbox is PAUSED: status messages are kept, not sent".into());
            None
        } else {
            Some(OutboxConfig {
                poll_ms: self.outbox_poll_ms.max(10),
                backoff_base_ms: self.outbox_backoff_ms.max(1),
                max_attempts: self.outbox_max_attempts.max(1),
                ..OutboxConfig::default()
            })
        };
        Ok(AccountSetup {
            notifiers: n,
            outbox,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: AccountArgs,
    }

    fn build(args: &[&str]) -> Result<(AccountSetup, AuthConfig), String> {
        let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let mut auth = AuthConfig::default();
        cli.a.build(&mut auth).map(|s| (s, auth))
    }

    #[test]
    fn without_a_sender_self_service_is_off_and_says_so() {
        let (s, auth) = build(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!auth.self_service);
        assert!(s.notifiers.otp.is_none());
        assert!(s.notes.iter().any(|n| n.contains("OFF")));
        let (s, auth) = build(&["--dev-log-messages"]).unwrap_or_else(|e| panic!("{e}"));
        assert!(auth.self_service);
        assert_eq!(s.notifiers.otp.as_ref().map(|o| o.kind()), Some("log"));
        assert!(s.notifiers.channels().is_empty());
    }

    #[test]
    fn senders_by_channel_and_proxies() {
        let (s, auth) = build(&[
            "--sms-url",
            "http://127.0.0.1:9/sms",
            "--smtp-url",
            "smtp://127.0.0.1:2525",
            "--trusted-proxy",
            "10.0.0.0/8,127.0.0.1",
            "--outbox-paused",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(auth.self_service);
        assert_eq!(s.notifiers.otp.as_ref().map(|o| o.kind()), Some("sms-http"));
        assert_eq!(
            s.notifiers.channels(),
            vec![
                dvc_protocol::auth::Channel::Sms,
                dvc_protocol::auth::Channel::Email
            ]
        );
        assert_eq!(auth.trusted_proxies.len(), 2);
        assert!(s.outbox.is_none());
        assert!(build(&["--trusted-proxy", "nonsense"]).is_err());
        assert!(build(&["--otp-channel", "zalo", "--zalo-access-token", "t"]).is_err());
        assert!(build(&["--smtp-url", "smtp://mail.example.vn"]).is_err());
    }
}
