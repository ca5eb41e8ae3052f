//! Reading the QR code from a photo of a card, in Rust (`rqrr` + `image`), on every platform.
//!
//! A camera photo is not a clean QR: the card may be rotated, slightly blurred, unevenly lit or
//! small in a large frame. [`decode_qr`] tries a sequence of cheap preprocessing steps — downscale,
//! contrast stretch, local (adaptive) threshold, denoise, larger scales and overlapping tiles —
//! and stops at the first that decodes or when the time budget is spent. The image never leaves
//! the device and is never logged; logs name the step that worked and timings only.

use std::time::{Duration, Instant};

use image::imageops::{self, FilterType};
use image::GrayImage;
use serde::Serialize;

use crate::error::CoreError;

mod finder;

/// Default time budget for one photo.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(4);
/// Largest photo accepted (bytes).
pub const MAX_PHOTO_BYTES: usize = 30 * 1024 * 1024;
/// The decoder works on at most this many pixels a side: a JPEG is shrunk while it is decoded
/// (DCT scaling), so a 50-megapixel photo never sits in memory at full size. A card's QR code in a
/// 4000-pixel frame still has far more pixels per module than the decoder needs.
pub const QR_MAX_SIDE: u32 = 4000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("the file is not a JPEG, PNG or WebP image this app can read")]
    NotImage,
    #[error(
        "the image is too large (max {MAX_PHOTO_BYTES} bytes, and the photo pipeline's pixel limits)"
    )]
    TooLarge,
    #[error("no readable QR code found in the photo")]
    NoQr,
    #[error("could not make an image preview")]
    Encode,
}

impl ScanError {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::NotImage => "cccd.scan.not_image",
            Self::TooLarge => "cccd.scan.too_large",
            Self::NoQr => "cccd.scan.no_qr",
            Self::Encode => "errors.internal",
        }
    }
}

impl From<ScanError> for CoreError {
    fn from(e: ScanError) -> Self {
        CoreError::invalid("image", e.to_string(), e.message_key())
    }
}

/// A decoded QR code and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// The raw payload bytes.
    #[serde(skip)]
    pub payload: Vec<u8>,
    /// Name of the preprocessing step that decoded it.
    pub strategy: &'static str,
    /// Steps tried.
    pub attempts: u32,
    pub elapsed_ms: u64,
}

/// Decodes an image file (JPEG, PNG, WebP) into grey pixels, at most [`QR_MAX_SIDE`] a side.
pub fn load_gray(bytes: &[u8]) -> Result<GrayImage, ScanError> {
    let d = load(bytes, QR_MAX_SIDE)?;
    let rgb = image::RgbImage::from_raw(d.width, d.height, d.rgb).ok_or(ScanError::NotImage)?;
    Ok(image::DynamicImage::ImageRgb8(rgb).into_luma8())
}

/// `(w, h)` scaled to fit a `max`-pixel square (never enlarged).
fn fit_within((w, h): (u32, u32), max: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max {
        return (w, h);
    }
    let scale = |v: u32| ((u64::from(v) * u64::from(max)) / u64::from(long)).max(1) as u32;
    (scale(w), scale(h))
}

/// Decodes with the photo pipeline's limits, checked from the header before any pixel buffer is
/// allocated (a small file that declares a huge image is refused at once); a JPEG is decoded
/// shrunk to about `max_side`.
fn load(bytes: &[u8], max_side: u32) -> Result<crate::photo::decode::Decoded, ScanError> {
    use crate::photo::PhotoError;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ScanError::TooLarge);
    }
    crate::photo::decode::decode(bytes, |h| fit_within(h.upright(), max_side)).map_err(
        |e| match e {
            PhotoError::TooLarge { .. } | PhotoError::FileTooBig { .. } => ScanError::TooLarge,
            _ => ScanError::NotImage,
        },
    )
}

/// A JPEG preview no larger than `max_side` pixels a side, upright.
pub fn thumbnail_jpeg(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, ScanError> {
    let d = load(bytes, max_side)?;
    let (rgb, w, h) =
        crate::photo::transform::orient(d.rgb, d.width, d.height, d.header.orientation);
    let img = image::RgbImage::from_raw(w, h, rgb).ok_or(ScanError::Encode)?;
    let img = image::DynamicImage::ImageRgb8(img)
        .thumbnail(max_side, max_side)
        .into_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .map_err(|_| ScanError::Encode)?;
    Ok(out)
}

/// Decodes the first QR code in an image file within `budget`.
pub fn decode_qr(bytes: &[u8], budget: Duration) -> Result<Scan, ScanError> {
    let start = Instant::now();
    let gray = load_gray(bytes)?;
    let r = decode_gray(&gray, start + budget);
    let elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    match r {
        Ok((payload, strategy, attempts)) => {
            tracing::info!(strategy, attempts, elapsed_ms, "QR decoded from photo");
            Ok(Scan {
                payload,
                strategy,
                attempts,
                elapsed_ms,
            })
        }
        Err(attempts) => {
            tracing::info!(attempts, elapsed_ms, "no QR found in photo");
            Err(ScanError::NoQr)
        }
    }
}

/// Tries rqrr on one prepared image.
fn try_decode(img: &GrayImage) -> Option<Vec<u8>> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 21 || h < 21 {
        return None;
    }
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        img.get_pixel(x as u32, y as u32)[0]
    });
    for grid in prepared.detect_grids() {
        let mut out = Vec::new();
        if grid.decode_to(&mut out).is_ok() && !out.is_empty() {
            return Some(out);
        }
    }
    None
}

/// Scaled so the longer side is at most `max` (never enlarged).
fn fit(img: &GrayImage, max: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= max {
        return img.clone();
    }
    let nw = ((u64::from(w) * u64::from(max)) / u64::from(long)).max(1) as u32;
    let nh = ((u64::from(h) * u64::from(max)) / u64::from(long)).max(1) as u32;
    imageops::resize(img, nw, nh, FilterType::Triangle)
}

/// Stretches the 1st–99th percentile of grey levels to full range (low contrast, dim light).
fn stretch(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[usize::from(p[0])] += 1;
    }
    let total: u64 = hist.iter().sum();
    let cut = total / 100;
    let (mut lo, mut hi, mut acc) = (0usize, 255usize, 0u64);
    for (i, n) in hist.iter().enumerate() {
        acc += n;
        if acc > cut {
            lo = i;
            break;
        }
    }
    acc = 0;
    for (i, n) in hist.iter().enumerate().rev() {
        acc += n;
        if acc > cut {
            hi = i;
            break;
        }
    }
    if hi <= lo + 1 {
        return img.clone();
    }
    let span = (hi - lo) as f32;
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let v = (f32::from(p[0]) - lo as f32) * 255.0 / span;
        p[0] = v.clamp(0.0, 255.0) as u8;
    }
    out
}

/// Local mean threshold over a `radius` window (integral image): robust to uneven light.
fn adaptive_threshold(img: &GrayImage, radius: u32, bias: i64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let mut integral = vec![0i64; (wu + 1) * (hu + 1)];
    for y in 0..hu {
        let mut row = 0i64;
        for x in 0..wu {
            row += i64::from(img.get_pixel(x as u32, y as u32)[0]);
            integral[(y + 1) * (wu + 1) + x + 1] = integral[y * (wu + 1) + x + 1] + row;
        }
    }
    let r = radius as usize;
    let mut out = GrayImage::new(w, h);
    for y in 0..hu {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(hu);
        for x in 0..wu {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(wu);
            let sum = integral[y1 * (wu + 1) + x1]
                - integral[y0 * (wu + 1) + x1]
                - integral[y1 * (wu + 1) + x0]
                + integral[y0 * (wu + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as i64;
            let v = i64::from(img.get_pixel(x as u32, y as u32)[0]) * n;
            let white = v > sum - bias * n;
            out.put_pixel(
                x as u32,
                y as u32,
                image::Luma([if white { 255 } else { 0 }]),
            );
        }
    }
    out
}

/// Overlapping crops (3×3 grid, each 1/2 of the side) for a small code in a large frame.
fn tiles(img: &GrayImage) -> Vec<GrayImage> {
    let (w, h) = img.dimensions();
    let (tw, th) = (w / 2, h / 2);
    let mut out = Vec::new();
    for j in 0..3 {
        for i in 0..3 {
            let x = (w - tw) * i / 2;
            let y = (h - th) * j / 2;
            out.push(imageops::crop_imm(img, x, y, tw, th).to_image());
        }
    }
    out
}

/// Finder-pattern-guided crops at full resolution: finders are searched in `small` (binarised),
/// and each region that holds three of them is cut from `full` — a small code in a large photo
/// keeps all its pixels instead of being downscaled or cut by a tile edge.
fn finder_crops(full: &GrayImage, small: &GrayImage) -> Vec<GrayImage> {
    let (sw, sh) = small.dimensions();
    let radius = (sw.max(sh) / 80).max(6);
    let bin = adaptive_threshold(small, radius, 6);
    let finders = finder::find(&bin, 2);
    let regions = finder::regions(&finders, sw, sh, 3);
    let scale = full.width() as f32 / sw as f32;
    let mut out = Vec::new();
    for (x0, y0, x1, y1) in regions {
        let fx = |v: u32, hi: u32| ((v as f32 * scale) as u32).min(hi);
        let (cx0, cy0) = (fx(x0, full.width()), fx(y0, full.height()));
        let (cx1, cy1) = (fx(x1, full.width()), fx(y1, full.height()));
        if cx1 <= cx0 + 21 || cy1 <= cy0 + 21 {
            continue;
        }
        let crop = imageops::crop_imm(full, cx0, cy0, cx1 - cx0, cy1 - cy0).to_image();
        let r = (crop.width().max(crop.height()) / 16).max(4);
        out.push(stretch(&crop));
        out.push(adaptive_threshold(&crop, r, 4));
        // Small modules: enlarging helps rqrr's sampling grid land inside modules.
        if crop.width().max(crop.height()) < 700 {
            out.push(stretch(&imageops::resize(
                &crop,
                crop.width() * 2,
                crop.height() * 2,
                FilterType::CatmullRom,
            )));
        }
    }
    out
}

/// Runs the preprocessing steps until one decodes or `deadline` passes. Returns the payload, the
/// step's name and the number of attempts, or the number of attempts on failure.
pub fn decode_gray(
    img: &GrayImage,
    deadline: Instant,
) -> Result<(Vec<u8>, &'static str, u32), u32> {
    let mut attempts = 0u32;
    let mut attempt = |name: &'static str, make: &dyn Fn() -> Vec<GrayImage>| {
        if Instant::now() >= deadline {
            return None;
        }
        for candidate in make() {
            attempts += 1;
            if let Some(p) = try_decode(&candidate) {
                return Some((p, name));
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
        None
    };
    let long = img.width().max(img.height());
    let base = fit(img, 1000);
    let big_cell = std::cell::OnceCell::new();
    let big = || big_cell.get_or_init(|| fit(img, 2000)).clone();
    let steps: [(&'static str, &dyn Fn() -> Vec<GrayImage>); 11] = [
        ("plain_1000", &|| vec![base.clone()]),
        // A small card in a large photo: keep the resolution.
        ("plain_2000", &|| {
            if long > 1200 {
                vec![big()]
            } else {
                Vec::new()
            }
        }),
        // A small card in a large photo: find the code's corners, decode it at full resolution.
        ("finder_crops", &|| finder_crops(img, &big())),
        ("stretch_1000", &|| vec![stretch(&base)]),
        ("adaptive_1000", &|| {
            let r = (base.width().max(base.height()) / 24).max(4);
            vec![adaptive_threshold(&base, r, 4)]
        }),
        ("tiles_2000", &|| {
            if long > 1200 {
                tiles(&big())
            } else {
                Vec::new()
            }
        }),
        ("denoise_adaptive_1000", &|| {
            let b = imageops::blur(&base, 1.2);
            let r = (b.width().max(b.height()) / 24).max(4);
            vec![adaptive_threshold(&b, r, 2)]
        }),
        ("plain_600", &|| vec![fit(img, 600)]),
        ("plain_400", &|| vec![stretch(&fit(img, 400))]),
        ("denoise_600", &|| {
            vec![stretch(&imageops::blur(&fit(img, 600), 1.5))]
        }),
        ("adaptive_tiles_2000", &|| {
            if long <= 1200 {
                return Vec::new();
            }
            tiles(&big())
                .iter()
                .map(|t| adaptive_threshold(t, (t.width().max(t.height()) / 24).max(4), 4))
                .collect()
        }),
    ];
    for (name, make) in steps {
        if let Some((p, n)) = attempt(name, make) {
            return Ok((p, n, attempts));
        }
    }
    Err(attempts)
}

#[cfg(test)]
mod tests;
