//! Decoding with limits checked before any pixel buffer is allocated: the header is read first,
//! its dimensions are checked against a pixel budget, and only then are pixels decoded. JPEGs are
//! decoded with DCT scaling (1/2, 1/4, 1/8) straight to the size the output needs.

use std::io::Cursor;

use image::ImageDecoder;

use super::PhotoError;

/// Largest input file accepted, in bytes.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Pixel budget for baseline JPEG (decoded scaled, so memory stays small: 50 MP phone photos).
pub const MAX_PIXELS_JPEG: u64 = 52_000_000;
/// Pixel budget for progressive JPEG (the decoder keeps all coefficients: about 3 bytes/pixel).
pub const MAX_PIXELS_JPEG_PROGRESSIVE: u64 = 24_000_000;
/// Pixel budget for PNG and WebP (decoded at full size: 4 bytes/pixel).
pub const MAX_PIXELS_OTHER: u64 = 24_000_000;
/// Allocation cap handed to the PNG/WebP decoders.
pub const MAX_ALLOC_OTHER: u64 = 160 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
}

/// Which format the bytes are, from their magic numbers.
pub fn sniff(bytes: &[u8]) -> Result<Format, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Format::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Format::WebP)
    } else {
        Err(PhotoError::NotAnImage)
    }
}

/// Header facts: raw (stored) size and EXIF orientation (1–8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub orientation: u8,
}

impl Header {
    /// Size once the orientation is applied.
    pub fn upright(&self) -> (u32, u32) {
        if swaps_sides(self.orientation) {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

pub fn swaps_sides(orientation: u8) -> bool {
    (5..=8).contains(&orientation)
}

/// Decoded pixels, RGB 8-bit, in stored (not yet oriented) order.
#[derive(Debug)]
pub struct Decoded {
    pub header: Header,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

fn check_budget(width: u32, height: u32, budget: u64) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt("zero width or height".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > budget {
        return Err(PhotoError::TooLarge { width, height });
    }
    Ok(())
}

/// Reads only the header: format, size, orientation; checks the pixel budget.
pub fn header(bytes: &[u8]) -> Result<Header, PhotoError> {
    match sniff(bytes)? {
        Format::Jpeg => jpeg_open(bytes).map(|(_, h)| h),
        f => other_open(bytes, f).map(|(_, h)| h),
    }
}

fn jpeg_open(bytes: &[u8]) -> Result<(jpeg_decoder::Decoder<&[u8]>, Header), PhotoError> {
    let mut dec = jpeg_decoder::Decoder::new(bytes);
    dec.read_info()
        .map_err(|e| PhotoError::Corrupt(format!("JPEG header: {e}")))?;
    let info = dec
        .info()
        .ok_or_else(|| PhotoError::Corrupt("JPEG header without a frame".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let budget = if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
        MAX_PIXELS_JPEG_PROGRESSIVE
    } else {
        MAX_PIXELS_JPEG
    };
    check_budget(width, height, budget)?;
    match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::RGB24 => {}
        other => {
            return Err(PhotoError::Unsupported(format!(
                "JPEG pixel format {other:?}"
            )))
        }
    }
    let orientation = dec
        .exif_data()
        .and_then(super::exif::orientation)
        .unwrap_or(1);
    Ok((
        dec,
        Header {
            format: Format::Jpeg,
            width,
            height,
            orientation,
        },
    ))
}

fn other_open(
    bytes: &[u8],
    format: Format,
) -> Result<(impl ImageDecoder + '_, Header), PhotoError> {
    let fmt = match format {
        Format::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    // Sides are checked against our own budget right after the header (a clearer error);
    // the allocation cap stays with the decoder.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_ALLOC_OTHER);
    reader.limits(limits);
    let mut dec = reader.into_decoder().map_err(map_image_err)?;
    let (width, height) = dec.dimensions();
    check_budget(width, height, MAX_PIXELS_OTHER)?;
    let orientation = dec.orientation().map(to_exif).unwrap_or(1);
    Ok((
        dec,
        Header {
            format,
            width,
            height,
            orientation,
        },
    ))
}

fn to_exif(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}

fn map_image_err(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(l) => {
            PhotoError::Corrupt(format!("over the decoder's limits: {l}"))
        }
        image::ImageError::Unsupported(u) => PhotoError::Unsupported(u.to_string()),
        other => PhotoError::Corrupt(other.to_string()),
    }
}

/// Decodes the photo. For JPEG, `scale_for(upright_w, upright_h)` gives the smallest upright
/// size the caller needs, and the decoder shrinks on decode to the nearest DCT scale above it.
pub fn decode(
    bytes: &[u8],
    need: impl FnOnce(&Header) -> (u32, u32),
) -> Result<Decoded, PhotoError> {
    match sniff(bytes)? {
        Format::Jpeg => {
            let (mut dec, header) = jpeg_open(bytes)?;
            let (nw, nh) = need(&header);
            let (rw, rh) = if swaps_sides(header.orientation) {
                (nh, nw)
            } else {
                (nw, nh)
            };
            let rw = u16::try_from(rw.clamp(1, header.width)).unwrap_or(u16::MAX);
            let rh = u16::try_from(rh.clamp(1, header.height)).unwrap_or(u16::MAX);
            let (w, h) = dec
                .scale(rw, rh)
                .map_err(|e| PhotoError::Corrupt(format!("JPEG scale: {e}")))?;
            let (w, h) = (u32::from(w), u32::from(h));
            let px = u64::from(w) * u64::from(h);
            dec.set_max_decoding_buffer_size(usize::try_from(px * 4).unwrap_or(usize::MAX));
            let data = dec
                .decode()
                .map_err(|e| PhotoError::Corrupt(format!("JPEG data: {e}")))?;
            let rgb = match dec.info().map(|i| i.pixel_format) {
                Some(jpeg_decoder::PixelFormat::L8) => {
                    data.iter().flat_map(|&g| [g, g, g]).collect()
                }
                _ => data,
            };
            if rgb.len() as u64 != px * 3 {
                return Err(PhotoError::Corrupt(
                    "JPEG decoded to an unexpected size".into(),
                ));
            }
            Ok(Decoded {
                header,
                width: w,
                height: h,
                rgb,
            })
        }
        f => {
            let (dec, header) = other_open(bytes, f)?;
            // No shrink-on-decode for PNG/WebP, but the caller still plans from the header.
            let _ = need(&header);
            let img = image::DynamicImage::from_decoder(dec).map_err(map_image_err)?;
            let (w, h) = (img.width(), img.height());
            let rgb = if img.color().has_alpha() {
                // Transparent areas become white (a photo background, not black).
                let rgba = img.into_rgba8();
                let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
                for p in rgba.as_raw().chunks_exact(4) {
                    let a = u16::from(p[3]);
                    for &c in &p[..3] {
                        let v = (u16::from(c) * a + 255 * (255 - a) + 127) / 255;
                        out.push(u8::try_from(v).unwrap_or(255));
                    }
                }
                out
            } else {
                img.into_rgb8().into_raw()
            };
            Ok(Decoded {
                header,
                width: w,
                height: h,
                rgb,
            })
        }
    }
}
