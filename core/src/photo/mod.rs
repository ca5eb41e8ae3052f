//! The photo pipeline: decode (with limits checked before allocating) → EXIF orientation →
//! crop (profile aspect, centred default or the user's rectangle) → resize (Lanczos3, SIMD) →
//! checks → JPEG at the highest quality that meets the size target, with no metadata at all.
//!
//! Profiles per kind are data (`assets/photo/profiles.json`). See `README.md` here for the
//! benchmark against libvips, ImageMagick and a naive pipeline.

pub mod checks;
pub mod decode;
pub mod exif;
pub mod profiles;
#[doc(hidden)]
pub mod synth;
pub mod transform;

use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use checks::{Check, Outcome};
pub use profiles::Profile;
pub use transform::Crop;

use crate::CoreError;

/// Why a photo could not be prepared. Bad input (the first six) maps to a `photo.error_*` key.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}x{height} pixels, over the limit")]
    TooLarge { width: u32, height: u32 },
    #[error("the image is damaged or incomplete: {0}")]
    Corrupt(String),
    #[error("the image uses a format this app cannot read: {0}")]
    Unsupported(String),
    #[error("the file is {bytes} bytes, over the limit")]
    FileTooBig { bytes: u64 },
    #[error("bad crop: {0}")]
    BadCrop(String),
    #[error("unknown photo kind {0:?} (portrait, cccd-front, cccd-back, document)")]
    UnknownKind(String),
    #[error("photo profiles: {0}")]
    Profiles(String),
    #[error("photo processing: {0}")]
    Internal(String),
    #[error("could not compress the photo under {max_bytes} bytes")]
    TooBigOutput { max_bytes: usize },
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "photo_empty",
            Self::NotAnImage => "photo_not_image",
            Self::TooLarge { .. } => "photo_too_large",
            Self::Corrupt(_) => "photo_corrupt",
            Self::Unsupported(_) => "photo_unsupported",
            Self::FileTooBig { .. } => "photo_file_too_big",
            Self::BadCrop(_) => "photo_bad_crop",
            Self::UnknownKind(_) => "photo_unknown_kind",
            Self::Profiles(_) => "photo_profiles",
            Self::Internal(_) => "photo_internal",
            Self::TooBigOutput { .. } => "photo_too_big_output",
        }
    }

    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Empty => "photo.error_empty",
            Self::NotAnImage => "photo.error_not_image",
            Self::TooLarge { .. } | Self::FileTooBig { .. } => "photo.error_too_large",
            Self::Corrupt(_) => "photo.error_corrupt",
            Self::Unsupported(_) => "photo.error_unsupported",
            Self::BadCrop(_) => "photo.error_crop",
            Self::UnknownKind(_) => "photo.error_kind",
            _ => "errors.internal",
        }
    }

    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            Self::Profiles(_) | Self::Internal(_) | Self::TooBigOutput { .. }
        )
    }
}

impl From<PhotoError> for CoreError {
    fn from(e: PhotoError) -> Self {
        tracing::info!(code = e.code(), "photo rejected or failed");
        if e.is_bad_input() {
            CoreError::invalid("photo", e.to_string(), e.message_key())
        } else {
            CoreError::Photo(e)
        }
    }
}

/// A prepared photo: the JPEG and what the checks found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Prepared {
    pub profile: &'static str,
    pub width: u32,
    pub height: u32,
    /// Size of the JPEG in bytes.
    pub bytes: usize,
    pub sha256: String,
    pub checks: Vec<Check>,
    /// The worst check result (what the UI leads with).
    pub overall: Outcome,
    /// The upright photo's size and the crop used, in its pixels.
    pub source_width: u32,
    pub source_height: u32,
    pub crop: Crop,
    pub quality: u8,
    pub millis: u64,
    #[serde(skip)]
    pub jpeg: Vec<u8>,
}

/// First quality tried; lower ones only when the size target needs them.
const QUALITY_START: u8 = 88;
const QUALITY_MIN: u8 = 40;

fn encode(rgb: &[u8], w: u32, h: u32, q: u8) -> Result<Vec<u8>, PhotoError> {
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| PhotoError::Internal("output too wide".into()))?,
        u16::try_from(h).map_err(|_| PhotoError::Internal("output too tall".into()))?,
    );
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut enc = jpeg_encoder::Encoder::new(&mut out, q);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PhotoError::Internal(format!("JPEG encode: {e}")))?;
    Ok(out)
}

/// The highest quality (binary search) whose JPEG fits `max_bytes`, or `None`.
fn encode_within(
    rgb: &[u8],
    w: u32,
    h: u32,
    max_bytes: usize,
) -> Result<Option<(Vec<u8>, u8)>, PhotoError> {
    let first = encode(rgb, w, h, QUALITY_START)?;
    if first.len() <= max_bytes {
        return Ok(Some((first, QUALITY_START)));
    }
    let (mut lo, mut hi) = (QUALITY_MIN, QUALITY_START - 1);
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let out = encode(rgb, w, h, mid)?;
        if out.len() <= max_bytes {
            best = Some((out, mid));
            lo = mid + 1;
        } else {
            if mid == 0 {
                break;
            }
            hi = mid - 1;
        }
    }
    Ok(best)
}

/// Prepares `input` for `profile`. `crop` is in the upright photo's pixels.
pub fn prepare(
    profile: &'static Profile,
    input: &[u8],
    crop: Option<Crop>,
) -> Result<Prepared, PhotoError> {
    let started = Instant::now();
    if input.len() as u64 > decode::MAX_INPUT_BYTES {
        return Err(PhotoError::FileTooBig {
            bytes: input.len() as u64,
        });
    }
    let fixed = profile.aspect.is_some();
    // (crop, output size, upright size), decided once the header is known.
    type Plan = (Crop, (u32, u32), (u32, u32));
    let mut plan: Option<Plan> = None;
    let decoded = decode::decode(input, |header| {
        let upright = header.upright();
        // A bad crop is reported after decode::decode returns (plan stays None).
        if let Ok(c) = transform::choose_crop(upright, profile.aspect, crop) {
            let out = transform::output_size(c, fixed, profile.out_width, profile.out_height);
            plan = Some((c, out, upright));
            let s = (f64::from(out.0) / f64::from(c.width))
                .max(f64::from(out.1) / f64::from(c.height))
                .min(1.0);
            (
                (f64::from(upright.0) * s).ceil() as u32,
                (f64::from(upright.1) * s).ceil() as u32,
            )
        } else {
            (1, 1)
        }
    });
    let decoded = match (decoded, plan) {
        (Ok(d), Some(_)) => d,
        (Err(e), _) => return Err(e),
        (Ok(d), None) => {
            // Report the crop error with the real size.
            return Err(
                transform::choose_crop(d.header.upright(), profile.aspect, crop)
                    .err()
                    .unwrap_or_else(|| PhotoError::BadCrop("crop outside the photo".into())),
            );
        }
    };
    let Some((c, (ow, oh), upright)) = plan else {
        return Err(PhotoError::Internal("no crop plan".into()));
    };
    let header = decoded.header;
    let (rgb, w, h) = transform::orient(
        decoded.rgb,
        decoded.width,
        decoded.height,
        header.orientation,
    );
    // Map the crop from full-size pixels to the decoded (DCT-scaled) ones.
    let (fx, fy) = (
        f64::from(w) / f64::from(upright.0),
        f64::from(h) / f64::from(upright.1),
    );
    let (sx, sy) = (
        (f64::from(c.x) * fx).min(f64::from(w) - 1.0),
        (f64::from(c.y) * fy).min(f64::from(h) - 1.0),
    );
    let scaled = (
        sx,
        sy,
        (f64::from(c.width) * fx).clamp(1.0, f64::from(w) - sx),
        (f64::from(c.height) * fy).clamp(1.0, f64::from(h) - sy),
    );
    let mut out = transform::crop_resize(rgb, w, h, scaled, ow, oh)?;
    let checks = checks::run(
        profile,
        checks::Rgb {
            data: &out,
            width: ow,
            height: oh,
        },
        c,
    );
    let (mut ow, mut oh) = (ow, oh);
    let max_bytes = profile.max_bytes.min(profiles::HARD_MAX_BYTES - 1);
    let mut result = encode_within(&out, ow, oh, max_bytes)?;
    // Still too big at the lowest quality (very noisy photo): shrink a little and try again.
    let mut tries = 0;
    while result.is_none() && tries < 3 {
        tries += 1;
        let (nw, nh) = ((ow * 4 / 5).max(1), (oh * 4 / 5).max(1));
        out = transform::crop_resize(
            out,
            ow,
            oh,
            (0.0, 0.0, f64::from(ow), f64::from(oh)),
            nw,
            nh,
        )?;
        (ow, oh) = (nw, nh);
        result = encode_within(&out, ow, oh, max_bytes)?;
    }
    let Some((jpeg, quality)) = result else {
        return Err(PhotoError::TooBigOutput { max_bytes });
    };
    let overall = checks
        .iter()
        .map(|c| c.result)
        .max()
        .unwrap_or(Outcome::Pass);
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        profile = %profile.id,
        in_bytes = input.len(),
        out_bytes = jpeg.len(),
        width = ow,
        height = oh,
        quality,
        orientation = header.orientation,
        millis,
        "photo prepared"
    );
    Ok(Prepared {
        profile: profile.id.as_str(),
        width: ow,
        height: oh,
        bytes: jpeg.len(),
        sha256: hex::encode(Sha256::digest(&jpeg)),
        checks,
        overall,
        source_width: upright.0,
        source_height: upright.1,
        crop: c,
        quality,
        millis,
        jpeg,
    })
}

/// Prepares for a kind named by profile id or CLI name (`portrait`, `cccd-front`, ...).
pub fn prepare_kind(kind: &str, input: &[u8], crop: Option<Crop>) -> Result<Prepared, PhotoError> {
    prepare(profiles::find(kind)?, input, crop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_with(
        img: &synth::Image,
        alpha_outside_figure: bool,
        f: image::ImageFormat,
    ) -> Vec<u8> {
        let mut rgba = Vec::with_capacity(img.rgb.len() / 3 * 4);
        for p in img.rgb.chunks_exact(3) {
            // The near-white background becomes fully transparent.
            let bg = alpha_outside_figure && p.iter().all(|&v| v > 235);
            rgba.extend_from_slice(&[p[0], p[1], p[2], if bg { 0 } else { 255 }]);
        }
        let buf = image::RgbaImage::from_raw(img.width, img.height, rgba).unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(buf)
            .write_to(&mut out, f)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn png_with_transparency_gets_a_white_background() {
        let mut img = synth::portrait(400, 600, Default::default());
        // Make the visible background black where it is not transparent, to prove the
        // transparent pixels (not the colour under them) decide the result.
        for p in img.rgb.chunks_exact_mut(3) {
            if p.iter().all(|&v| v > 235) {
                p.copy_from_slice(&[250, 250, 250]);
            }
        }
        let png = encode_with(&img, true, image::ImageFormat::Png);
        let p = prepare_kind("portrait", &png, None).unwrap();
        let bg = p.checks.iter().find(|c| c.name == "background").unwrap();
        assert_eq!(bg.result, Outcome::Pass, "{bg:?}");
        assert_eq!((p.width, p.height), (600, 900));
    }

    #[test]
    fn webp_input_is_read() {
        let img = synth::card(800, 505, 1.0);
        let webp = encode_with(&img, false, image::ImageFormat::WebP);
        assert_eq!(decode::sniff(&webp).unwrap(), decode::Format::WebP);
        let p = prepare_kind("cccd-back", &webp, None).unwrap();
        assert_eq!((p.width, p.height), (1280, 808));
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8]));
        // 800 px wide is above the minimum but below the output: a warning, not a failure.
        let res = p.checks.iter().find(|c| c.name == "resolution").unwrap();
        assert_eq!(res.result, Outcome::Warn);
    }

    #[test]
    fn output_is_deterministic_and_within_every_target() {
        let img = synth::portrait(1500, 2250, Default::default());
        let jpeg = synth::jpeg(&img, 95, Some(1));
        let a = prepare_kind("portrait_4x6", &jpeg, None).unwrap();
        let b = prepare_kind("portrait", &jpeg, None).unwrap();
        assert_eq!(a.sha256, b.sha256);
        assert!(a.bytes <= 250_000);
    }

    #[test]
    fn a_noisy_photo_is_compressed_under_the_target_by_lowering_quality() {
        // Pure noise compresses badly: quality must drop (and maybe the size) to fit 250 KB.
        let mut img = synth::Image::filled(1200, 1800, [0, 0, 0]);
        let mut s: u32 = 99;
        for v in &mut img.rgb {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            *v = (s >> 24) as u8;
        }
        let jpeg = synth::jpeg(&img, 90, None);
        let p = prepare_kind("portrait", &jpeg, None).unwrap();
        assert!(p.bytes <= 250_000, "{} bytes", p.bytes);
        assert!(p.quality < QUALITY_START, "quality {}", p.quality);
        assert_eq!(
            p.width * 3,
            p.height * 2,
            "aspect kept: {}x{}",
            p.width,
            p.height
        );
    }
}
