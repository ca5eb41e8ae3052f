//! The "switch server" QR code: an officer console shows it, the app scans it to use that server
//! (only while signed out, after a confirmation naming the server). The payload is short text:
//!
//! ```text
//! DVCSRV1:<url>
//! ```
//!
//! `<url>` is the server's public address (`https://host[:port][/path]`, or `http://` for a
//! development server). [`parse`] accepts only that shape: the exact prefix, printable ASCII
//! without spaces, no credentials, no query or fragment, a host of letters, digits, `.`, `-`,
//! `[`, `]`, `:`; at most [`MAX_LEN`] bytes. Anything else (a CCCD QR, a payment QR, a link to
//! somewhere) is refused with a [`ServerQrError`] and changes nothing. The client applies its own
//! URL rules on top (https, or http only to this machine).

/// The payload's prefix (version 1).
pub const PREFIX: &str = "DVCSRV1:";
/// The longest payload accepted, in bytes.
pub const MAX_LEN: usize = 512;

/// Why a scanned text is not a server QR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerQrError {
    /// Not a server QR at all (no `DVCSRV1:` prefix).
    NotServerQr,
    /// Longer than [`MAX_LEN`].
    TooLong,
    /// The address after the prefix is not an `http(s)://host…` address this app can use.
    BadUrl(&'static str),
}

impl std::fmt::Display for ServerQrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerQrError::NotServerQr => write!(f, "not a server QR (no {PREFIX} prefix)"),
            ServerQrError::TooLong => write!(f, "server QR longer than {MAX_LEN} bytes"),
            ServerQrError::BadUrl(why) => write!(f, "server QR with a bad address: {why}"),
        }
    }
}

impl std::error::Error for ServerQrError {}

/// The payload for a server's public URL (a trailing `/` is dropped).
pub fn encode(url: &str) -> String {
    format!("{PREFIX}{}", url.trim().trim_end_matches('/'))
}

/// The server URL in a scanned text, without a trailing `/`.
pub fn parse(text: &str) -> Result<String, ServerQrError> {
    // Scanners may add a line end; nothing else is trimmed.
    let text = text.trim_end_matches(['\r', '\n']);
    if text.len() > MAX_LEN {
        return Err(ServerQrError::TooLong);
    }
    let url = text
        .strip_prefix(PREFIX)
        .ok_or(ServerQrError::NotServerQr)?;
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServerQrError::BadUrl(
            "spaces, control or non-ASCII characters",
        ));
    }
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        r
    } else {
        return Err(ServerQrError::BadUrl("not an http(s) address"));
    };
    if url.contains(['?', '#', '\\', '@']) {
        return Err(ServerQrError::BadUrl("a query, fragment, backslash or @"));
    }
    let (authority, _path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.starts_with(':') {
        return Err(ServerQrError::BadUrl("no host"));
    }
    if !authority
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return Err(ServerQrError::BadUrl("characters a host cannot have"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        for url in [
            "https://dvc.example.vn",
            "https://dvc.example.vn:8443/dong-bo",
            "http://127.0.0.1:8787",
            "http://[::1]:8787",
        ] {
            assert_eq!(parse(&encode(url)).as_deref(), Ok(url));
            assert_eq!(parse(&encode(&format!("{url}/"))).as_deref(), Ok(url));
        }
        assert_eq!(
            parse("DVCSRV1:https://dvc.example.vn\r\n").as_deref(),
            Ok("https://dvc.example.vn")
        );
    }

    #[test]
    fn hostile_and_foreign_text_is_refused() {
        let long = format!("{PREFIX}https://{}.vn", "a".repeat(MAX_LEN));
        let cases: &[(&str, ServerQrError)] = &[
            ("", ServerQrError::NotServerQr),
            ("https://dvc.example.vn", ServerQrError::NotServerQr),
            ("dvcsrv1:https://dvc.example.vn", ServerQrError::NotServerQr),
            ("DVCSRV2:https://dvc.example.vn", ServerQrError::NotServerQr),
            (
                " DVCSRV1:https://dvc.example.vn",
                ServerQrError::NotServerQr,
            ),
            // A CCCD QR and a VietQR payment code.
            (
                "001190012345|123456789|Nguyễn Thị Thử|31051990|Nữ|Hà Nội|01012021",
                ServerQrError::NotServerQr,
            ),
            ("00020101021138570010A000000727", ServerQrError::NotServerQr),
            (long.as_str(), ServerQrError::TooLong),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).as_ref(), Err(want), "{text:?}");
        }
        for bad in [
            "DVCSRV1:",
            "DVCSRV1:dvc.example.vn",
            "DVCSRV1:ftp://dvc.example.vn",
            "DVCSRV1:javascript:alert(1)",
            "DVCSRV1:file:///etc/passwd",
            "DVCSRV1:https://",
            "DVCSRV1:https:///path",
            "DVCSRV1:https://:443",
            "DVCSRV1:https://user:pw@dvc.example.vn",
            "DVCSRV1:https://dvc.example.vn@evil.example",
            "DVCSRV1:https://dvc.example.vn?next=evil",
            "DVCSRV1:https://dvc.example.vn#x",
            "DVCSRV1:https://dvc.example.vn\\@evil",
            "DVCSRV1:https://dvc example.vn",
            "DVCSRV1:https://dvc.example.vn\n/x",
            "DVCSRV1:https://dvc.example.vn\u{0}",
            "DVCSRV1:https://dịch-vụ.vn",
            "DVCSRV1:https://dvc.example.vn%2f@evil",
            "DVCSRV1:\u{202e}https://dvc.example.vn",
        ] {
            assert!(
                matches!(parse(bad), Err(ServerQrError::BadUrl(_))),
                "{bad:?} → {:?}",
                parse(bad)
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_accepts_only_http_urls(s in ".{0,600}") {
            if let Ok(url) = parse(&s) {
                prop_assert!(url.starts_with("https://") || url.starts_with("http://"));
                prop_assert!(url.bytes().all(|b| b.is_ascii_graphic()));
                prop_assert!(!url.contains(['@', '?', '#']));
            }
            let with_prefix = format!("{PREFIX}{s}");
            if let Ok(url) = parse(&with_prefix) {
                prop_assert_eq!(parse(&encode(&url)), Ok(url));
            }
        }
    }
}
