//! Removing metadata from personal papers before they are stored (and so before they are ever
//! uploaded): camera photos carry EXIF with GPS position, time, device and owner names, XMP,
//! IPTC, comments and maker notes.
//!
//! The segments are cut out losslessly rather than the image re-encoded: a paper's pixels (small
//! print, stamps, signatures) stay exactly as photographed, there is no second round of JPEG loss,
//! and a cheap phone does not decode a 50-megapixel photo to do it. What stays is what displays
//! the image: JFIF, the ICC colour profile, Adobe's colour-transform marker, and the EXIF
//! orientation, rewritten as a minimal EXIF block holding that one tag (so a portrait photo stays
//! upright).
//!
//! - JPEG: every `APPn` segment before the first scan except `APP0` (JFIF/JFXX), `APP2`
//!   `ICC_PROFILE` and `APP14` `Adobe`; `COM` comments. The scan data is copied as it is.
//! - PNG: the `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks, and anything after `IEND`.
//! - WebP: the `EXIF` and `XMP ` chunks (and their flags in `VP8X`).
//!
//! Other files (PDF, anything else) are stored as they are, and so is a file that only looks like
//! an image (its structure cannot be walked: no viewer shows it either). Bytes without metadata
//! come back unchanged (the same hash), so the photo pipeline's output is not touched.

use std::borrow::Cow;

/// `bytes` without metadata; borrowed when there was none (or the file is not a well-formed
/// JPEG, PNG or WebP).
pub fn strip(bytes: &[u8]) -> Cow<'_, [u8]> {
    let cleaned = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        strip_jpeg(bytes)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        strip_png(bytes)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        strip_webp(bytes)
    } else {
        return Cow::Borrowed(bytes);
    };
    match cleaned {
        Some(out) if out != bytes => Cow::Owned(out),
        Some(_) => Cow::Borrowed(bytes),
        None => {
            tracing::debug!("document looks like an image but is not well formed; kept as it is");
            Cow::Borrowed(bytes)
        }
    }
}

/// A minimal EXIF block (`Exif\0\0` + big-endian TIFF) holding only the orientation.
fn orientation_exif(orientation: u8) -> Vec<u8> {
    let mut e = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    e.extend_from_slice(&1u16.to_be_bytes()); // one entry
    e.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    e.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    e.extend_from_slice(&1u32.to_be_bytes()); // count
    e.extend_from_slice(&u16::from(orientation).to_be_bytes());
    e.extend_from_slice(&[0, 0]);
    e.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    e
}

fn keep_app(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE0 => true,
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        _ => false,
    }
}

/// The length of the marker segment at `i` (2 + its length field), if it fits in `bytes`.
fn segment_end(bytes: &[u8], i: usize) -> Option<usize> {
    let b = bytes.get(i + 2..i + 4)?;
    let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
    let end = i + 2 + len;
    (len >= 2 && end <= bytes.len()).then_some(end)
}

fn is_metadata_segment(marker: u8, payload: &[u8]) -> bool {
    marker == 0xFE || ((0xE0..=0xEF).contains(&marker) && !keep_app(marker, payload))
}

fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut orientation_written = false;
    let mut i = 2;
    // Header segments, up to the first scan.
    loop {
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1; // fill bytes
        }
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        match marker {
            // An "image" that ends before its first scan has no picture: it is not a JPEG we
            // understand (random or damaged bytes that start like one), so it is kept whole.
            0x01 | 0xD0..=0xD9 => return None,
            _ => {}
        }
        let end = segment_end(bytes, i)?;
        let payload = &bytes[i + 4..end];
        if marker == 0xDA {
            break;
        }
        if is_metadata_segment(marker, payload) {
            if marker == 0xE1 && payload.starts_with(b"Exif\0\0") && !orientation_written {
                let o = crate::photo::exif::orientation(payload).unwrap_or(1);
                if o != 1 {
                    let exif = orientation_exif(o);
                    out.extend_from_slice(&[0xFF, 0xE1]);
                    out.extend_from_slice(&u16::try_from(exif.len() + 2).ok()?.to_be_bytes());
                    out.extend_from_slice(&exif);
                    orientation_written = true;
                }
            }
        } else {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
    }
    // The scans (with the tables between progressive scans) are copied as they are, up to the
    // end of the image; anything after it (phones append secondary images and vendor data there)
    // goes. If the end cannot be found, the rest is kept: it is image data.
    let end = image_end(bytes, i).unwrap_or(bytes.len());
    out.extend_from_slice(&bytes[i..end]);
    Some(out)
}

/// Where the image that starts scanning at `i` (an SOS marker) ends: just after its EOI marker.
fn image_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        // A marker segment (SOS, DHT, DQT, DRI …) …
        i = segment_end(bytes, i)?;
        // … then entropy-coded data, where 0xFF is followed by 0x00 (a stuffed byte), a restart
        // marker or fill; anything else is the next marker.
        loop {
            match (bytes.get(i)?, bytes.get(i + 1)?) {
                (0xFF, 0x00 | 0xD0..=0xD7) => i += 2,
                (0xFF, 0xFF) => i += 1,
                (0xFF, 0xD9) => return Some(i + 2),
                (0xFF, _) => break,
                _ => i += 1,
            }
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    loop {
        let head = bytes.get(i..i + 8)?;
        let len = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]])).ok()?;
        let kind = &head[4..8];
        let end = i
            .checked_add(12)?
            .checked_add(len)
            .filter(|&e| e <= bytes.len())?;
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            // Nothing after the end is kept.
            return Some(out);
        }
    }
}

fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    let declared =
        usize::try_from(u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]])).ok()?;
    let body_end = declared.checked_add(8).filter(|&e| e <= bytes.len())?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..12]);
    let mut i = 12;
    while i < body_end {
        let head = bytes.get(i..i + 8).filter(|_| i + 8 <= body_end)?;
        let len = usize::try_from(u32::from_le_bytes([head[4], head[5], head[6], head[7]])).ok()?;
        let end = (i + 8)
            .checked_add(len)?
            .checked_add(len % 2)
            .filter(|&e| e <= body_end)?;
        match &head[..4] {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let start = out.len();
                out.extend_from_slice(&bytes[i..end]);
                // Flags byte: bit 3 EXIF, bit 2 XMP.
                if let Some(flags) = out.get_mut(start + 8) {
                    *flags &= !(0x08 | 0x04);
                }
            }
            _ => out.extend_from_slice(&bytes[i..end]),
        }
        i = end;
    }
    // Nothing after the RIFF body is kept.
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::synth;

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// The EXIF tags left in IFD0 of the first APP1 (none if there is no APP1).
    fn ifd0_tags(jpeg: &[u8]) -> Vec<u16> {
        let mut i = 2;
        while i + 4 <= jpeg.len() && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
            let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
            if jpeg[i + 1] == 0xE1 {
                let tiff = &jpeg[i + 4 + 6..i + 2 + len];
                let be = &tiff[..2] == b"MM";
                let u16_at = |at: usize| {
                    let b = [tiff[at], tiff[at + 1]];
                    if be {
                        u16::from_be_bytes(b)
                    } else {
                        u16::from_le_bytes(b)
                    }
                };
                let ifd = 8;
                return (0..usize::from(u16_at(ifd)))
                    .map(|k| u16_at(ifd + 2 + 12 * k))
                    .collect();
            }
            i += 2 + len;
        }
        Vec::new()
    }

    fn scan(jpeg: &[u8]) -> &[u8] {
        let at = (0..jpeg.len() - 1)
            .find(|&k| jpeg[k] == 0xFF && jpeg[k + 1] == 0xDA)
            .unwrap();
        &jpeg[at..]
    }

    #[test]
    fn gps_exif_xmp_and_comments_go_orientation_and_pixels_stay() {
        let img = synth::card(320, 200, 0.8);
        let with_gps = synth::jpeg(&img, 85, Some(6));
        assert!(
            ifd0_tags(&with_gps).contains(&0x8825),
            "the fixture has a GPS IFD"
        );
        let clean = strip(&with_gps);
        assert!(matches!(clean, Cow::Owned(_)));
        assert_eq!(ifd0_tags(&clean), [0x0112], "only the orientation is left");
        assert_eq!(
            crate::photo::decode::header(&clean).unwrap().orientation,
            6,
            "still displayed upright"
        );
        for gone in [
            &b"GPSLatitude"[..],
            b"SYNTHETIC-COMMENT-MARKER",
            b"http://ns.adobe.com",
        ] {
            assert!(!contains(&clean, gone), "{}", String::from_utf8_lossy(gone));
        }
        assert_eq!(scan(&clean), scan(&with_gps), "image data copied as it is");
        // Stripping is idempotent, and an upright photo keeps no EXIF at all.
        assert!(matches!(strip(&clean), Cow::Borrowed(_)));
        let upright = strip(&synth::jpeg(&img, 85, Some(1))).into_owned();
        assert!(ifd0_tags(&upright).is_empty());
        assert!(!synth::jpeg_markers(&upright).contains(&0xE1));
        // The photo pipeline's output has nothing to strip: same bytes, same hash.
        let plain = synth::jpeg(&img, 85, None);
        assert!(matches!(strip(&plain), Cow::Borrowed(b) if b == plain.as_slice()));
    }

    #[test]
    fn display_segments_are_kept() {
        let plain = synth::jpeg(&synth::card(64, 48, 0.5), 80, None);
        let mut with = plain[..2].to_vec();
        let seg = |out: &mut Vec<u8>, marker: u8, body: &[u8]| {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            out.extend_from_slice(body);
        };
        seg(&mut with, 0xE2, b"ICC_PROFILE\0\x01\x01fake-profile");
        seg(&mut with, 0xEE, b"Adobe\0\x64\0\0\0\0\x01");
        seg(&mut with, 0xED, b"Photoshop 3.0\0IPTC-NAME");
        seg(&mut with, 0xE2, b"FPXR\0flashpix");
        seg(&mut with, 0xEC, b"Ducky\0maker");
        with.extend_from_slice(&plain[2..]);
        let clean = strip(&with);
        let markers = synth::jpeg_markers(&clean);
        assert!(markers.contains(&0xE2) && markers.contains(&0xEE));
        assert!(!markers.contains(&0xED) && !markers.contains(&0xEC));
        assert!(contains(&clean, b"fake-profile"));
        assert!(!contains(&clean, b"IPTC-NAME") && !contains(&clean, b"flashpix"));
        assert!(image::load_from_memory(&clean).is_ok());
    }

    fn png_with_text() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        // A tEXt chunk after IHDR (its CRC is not checked by this walk, but give a real one).
        let mut chunk = Vec::new();
        let data = b"Comment\0GPS 21.0285N";
        chunk.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        chunk.extend_from_slice(b"tEXt");
        chunk.extend_from_slice(data);
        chunk.extend_from_slice(&[0, 0, 0, 0]);
        let ihdr_end = 8 + 8 + 13 + 4;
        let mut out = png[..ihdr_end].to_vec();
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&png[ihdr_end..]);
        out.extend_from_slice(b"trailing secret");
        out
    }

    #[test]
    fn png_text_chunks_and_trailers_go() {
        let png = png_with_text();
        let clean = strip(&png);
        assert!(!contains(&clean, b"GPS 21") && !contains(&clean, b"trailing secret"));
        assert!(image::load_from_memory(&clean).is_ok());
        assert!(matches!(strip(&clean), Cow::Borrowed(_)));
    }

    #[test]
    fn webp_exif_and_xmp_chunks_go() {
        // VP8X with the EXIF and XMP flags, a (fake) VP8L image chunk, then EXIF and XMP chunks.
        let mut body = b"WEBP".to_vec();
        let chunk = |out: &mut Vec<u8>, id: &[u8; 4], data: &[u8]| {
            out.extend_from_slice(id);
            out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
            out.extend_from_slice(data);
            if data.len() % 2 == 1 {
                out.push(0);
            }
        };
        chunk(&mut body, b"VP8X", &[0x0C, 0, 0, 0, 7, 0, 0, 7, 0, 0]);
        chunk(&mut body, b"VP8L", b"pixels!");
        chunk(&mut body, b"EXIF", &synth_exif());
        chunk(&mut body, b"XMP ", b"<gps>21N</gps>");
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        webp.extend_from_slice(&body);
        let clean = strip(&webp);
        assert!(!contains(&clean, b"EXIF") && !contains(&clean, b"<gps>"));
        assert!(contains(&clean, b"pixels!"));
        assert_eq!(clean[12 + 8] & 0x0C, 0, "VP8X flags cleared");
        let size = u32::from_le_bytes([clean[4], clean[5], clean[6], clean[7]]) as usize;
        assert_eq!(size + 8, clean.len());
    }

    fn synth_exif() -> Vec<u8> {
        crate::photo::exif::build_exif_for_tests(1, false)
    }

    #[test]
    fn trailers_after_the_image_go() {
        let mut jpeg = synth::jpeg(&synth::card(64, 48, 0.5), 80, None);
        let image_len = jpeg.len();
        jpeg.extend_from_slice(b"SEFT vendor trailer with a place name");
        let clean = strip(&jpeg);
        assert_eq!(clean.len(), image_len);
        assert!(image::load_from_memory(&clean).is_ok());
    }

    #[test]
    fn files_that_only_look_like_images_are_kept_as_they_are() {
        let good = synth::jpeg(&synth::card(64, 48, 0.5), 80, Some(3));
        // Cut inside the header segments: not an image any viewer shows; stored as it is.
        for cut in [3, 5, 20, 40] {
            assert!(
                matches!(strip(&good[..cut]), Cow::Borrowed(_)),
                "cut at {cut}"
            );
        }
        let png = png_with_text();
        assert!(matches!(strip(&png[..30]), Cow::Borrowed(_)));
        for junk in [
            &b"\xff\xd8\xff synthetic jpeg-ish bytes"[..],
            // Ends before any scan (1 in 256 random files that start like a JPEG): kept whole,
            // never cut down to the four bytes of an empty image.
            b"\xff\xd8\xff\xd9 random bytes after an early end",
            b"\xff\xd8\xff\xfe\x00\x04ab\xff\xd9 a comment, then the end",
            b"%PDF-1.4 whatever",
            b"RIFF\x04\0\0\0WEBP",
        ] {
            assert!(matches!(strip(junk), Cow::Borrowed(_)));
        }
        // Never a panic, whatever the bytes.
        for n in 0..good.len() {
            let _ = strip(&good[..n]);
        }
        let mut noise = good.clone();
        for (k, b) in noise.iter_mut().enumerate().skip(2) {
            *b = b.wrapping_mul(31).wrapping_add(k as u8);
        }
        let _ = strip(&noise);
    }
}
