//! QR codes as SVG for the app's screens (the VietQR to pay a fee, the dossier code on the
//! receipt): error correction M, a 4-module quiet zone, black modules on white, one path, a
//! `viewBox` in module units with `shape-rendering="crispEdges"` so it scales to any size without
//! blur. Built from the `qrcode` crate's module matrix (its own SVG renderer is not needed).

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks (4).
pub const QUIET_ZONE: usize = 4;
/// Default rendered size of one module in CSS pixels (the `width`/`height` attributes); CSS can
/// size the image to anything else, the `viewBox` keeps it sharp.
const MODULE_PX: usize = 4;

/// Why a text could not become a QR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrSvgError {
    #[error("the text is empty")]
    Empty,
    #[error(
        "the text is too long for a QR code ({len} bytes; at error correction M at most 2331)"
    )]
    TooLong { len: usize },
    #[error("cannot make a QR code: {0}")]
    Qr(String),
}

/// The QR code of `text` (UTF-8, byte mode) as a standalone SVG document.
pub fn qr_svg(text: &str) -> Result<String, QrSvgError> {
    if text.is_empty() {
        return Err(QrSvgError::Empty);
    }
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| match e {
            qrcode::types::QrError::DataTooLong => QrSvgError::TooLong { len: text.len() },
            e => QrSvgError::Qr(e.to_string()),
        })?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let px = size * MODULE_PX;
    let mut path = String::with_capacity(width * width * 3);
    for (y, row) in colors.chunks(width.max(1)).enumerate() {
        // One rectangle per run of dark modules in the row.
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
    Ok(format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" "##,
            r##"width="{px}" height="{px}" shape-rendering="crispEdges">"##,
            r##"<rect width="{size}" height="{size}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##
        ),
        size = size,
        px = px,
        path = path
    ))
}
