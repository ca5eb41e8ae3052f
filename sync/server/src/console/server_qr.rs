//! "Mã QR máy chủ": a console page with a QR code of this server's address (payload
//! [`dvc_protocol::server_qr`]), which a volunteer's or tester's app scans to use this server.
//!
//! The address is `--public-url` when the server was given one; otherwise the one the officer's
//! browser used (its `Host`), with `http` for a loopback
//! host (a development server on this machine) and `https` otherwise (dvc-sync itself speaks
//! plain HTTP; anywhere else it stands behind a TLS proxy). A `Host` that does not make a valid
//! address gives a page saying so, never a QR. The QR is inline SVG drawn here from the `qrcode`
//! crate's module matrix: no image request, no network.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use maud::{html, Markup, PreEscaped};
use qrcode::{Color, EcLevel, QrCode};

use super::{html as page, pages, Officer};
use crate::state::AppState;

/// Light modules around the code (the QR standard's 4).
const QUIET_ZONE: usize = 4;

/// The public address of this server as the browser reached it, or `None` for a `Host` that
/// does not make one.
pub fn public_url(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    if host.is_empty() || host.len() > 255 {
        return None;
    }
    let scheme = if crate::config::is_loopback_host(host) {
        "http"
    } else {
        "https"
    };
    // The payload parser is the judge of what the app will accept.
    dvc_protocol::server_qr::parse(&dvc_protocol::server_qr::encode(&format!(
        "{scheme}://{host}"
    )))
    .ok()
}

/// The QR code of `text` as an inline SVG element (error correction M, quiet zone, one path).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in colors.chunks(width.max(1)).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row[x] == Color::Dark {
                let start = x;
                while x < row.len() && row[x] == Color::Dark {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE
                ));
            } else {
                x += 1;
            }
        }
    }
    Some(format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" "##,
            r##"width="288" height="288" shape-rendering="crispEdges" role="img" "##,
            r##"aria-label="Mã QR địa chỉ máy chủ" data-testid="server-qr">"##,
            r##"<rect width="{size}" height="{size}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##
        ),
        size = size,
        path = path
    ))
}

fn body(url: Option<&str>) -> Markup {
    let qr = url.and_then(|u| qr_svg(&dvc_protocol::server_qr::encode(u)));
    html! {
        h1 { "Mã QR máy chủ" }
        @match (url, qr) {
            (Some(url), Some(svg)) => {
                p { "Tình nguyện viên hoặc người thử nghiệm quét mã này trong ứng dụng DVC Đồng Hành \
                     (Đồng bộ → Đổi máy chủ bằng mã QR) để dùng máy chủ này. Ứng dụng chỉ đổi máy chủ \
                     khi chưa đăng nhập, sau khi người dùng xác nhận." }
                div.qr { (PreEscaped(svg)) }
                p { "Địa chỉ: " code data-testid="server-url" { (url) } }
            }
            _ => {
                div.msg.err role="alert" {
                    "Không tạo được mã QR: địa chỉ trình duyệt dùng để mở trang này không phải là \
                     địa chỉ máy chủ hợp lệ. Hãy mở bảng điều khiển bằng địa chỉ công khai của máy chủ."
                }
            }
        }
    }
}

/// `GET /console/server-qr`: the configured `--public-url`, else the browser's address.
pub async fn page_handler(
    State(st): State<AppState>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    let url = st.cfg.public_url.clone().or_else(|| public_url(&headers));
    page(
        StatusCode::OK,
        pages::layout(
            "Mã QR máy chủ",
            Some((&officer.account, officer.csrf.as_str())),
            body(url.as_deref()),
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn host(h: &[u8]) -> HeaderMap {
        let mut m = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(h) {
            m.insert(header::HOST, v);
        }
        m
    }

    #[test]
    fn the_address_follows_the_host_the_browser_used() {
        assert_eq!(
            public_url(&host(b"127.0.0.1:8787")).as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            public_url(&host(b"localhost:8787")).as_deref(),
            Some("http://localhost:8787")
        );
        assert_eq!(
            public_url(&host(b"[::1]:8787")).as_deref(),
            Some("http://[::1]:8787")
        );
        assert_eq!(
            public_url(&host(b"dvc.example.vn")).as_deref(),
            Some("https://dvc.example.vn")
        );
        assert_eq!(
            public_url(&host(b"10.0.0.5:8443")).as_deref(),
            Some("https://10.0.0.5:8443")
        );
    }

    #[test]
    fn a_hostile_host_gives_no_qr() {
        for h in [
            &b""[..],
            b"evil.example/x?y",
            b"a@evil.example",
            b"dvc.example.vn#frag",
            b"dvc example.vn",
            b"\xc3\xa0.vn",
        ] {
            assert_eq!(
                public_url(&host(h)),
                None,
                "{:?}",
                String::from_utf8_lossy(h)
            );
        }
        assert_eq!(public_url(&HeaderMap::new()), None);
        let long = "a".repeat(300);
        assert_eq!(public_url(&host(long.as_bytes())), None);
    }

    #[test]
    fn the_page_shows_the_qr_or_a_clear_error() {
        let ok = body(Some("https://dvc.example.vn")).into_string();
        assert!(ok.contains("<svg"), "{ok}");
        assert!(ok.contains("https://dvc.example.vn"));
        let bad = body(None).into_string();
        assert!(!bad.contains("<svg"));
        assert!(bad.contains("Không tạo được mã QR"));
    }

    #[test]
    fn the_svg_draws_exactly_the_codes_modules() {
        let text = "DVCSRV1:https://dvc.example.vn";
        let svg = qr_svg(text).unwrap_or_default();
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
        let w = code.width();
        let mut drawn = vec![false; w * w];
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let n: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            for i in 0..n {
                drawn[(y - QUIET_ZONE) * w + x - QUIET_ZONE + i] = true;
            }
        }
        let want: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
        assert_eq!(drawn, want);
    }
}
