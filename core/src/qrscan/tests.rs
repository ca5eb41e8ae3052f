use super::*;
use std::io::Cursor;

#[test]
fn garbage_is_not_an_image() {
    assert_eq!(
        decode_qr(b"not an image", DEFAULT_BUDGET).unwrap_err(),
        ScanError::NotImage
    );
    assert_eq!(
        decode_qr(&[], DEFAULT_BUDGET).unwrap_err(),
        ScanError::NotImage
    );
}

#[test]
fn blank_image_has_no_qr() {
    let img = GrayImage::from_pixel(300, 200, image::Luma([255]));
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(
        decode_qr(&png, Duration::from_secs(2)).unwrap_err(),
        ScanError::NoQr
    );
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A few hundred bytes that declare a `w`×`h` PNG (a decompression bomb's header).
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

/// A real small JPEG whose frame header claims `w`×`h`.
fn jpeg_declaring(w: u16, h: u16) -> Vec<u8> {
    use crate::photo::synth;
    let mut j = synth::jpeg(&synth::card(64, 48, 0.5), 80, None);
    let sof = (0..j.len() - 1)
        .find(|&i| j[i] == 0xFF && matches!(j[i + 1], 0xC0 | 0xC2))
        .unwrap();
    j[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    j[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    j
}

#[test]
fn decompression_bombs_are_refused_from_their_header() {
    for bomb in [
        png_declaring(60_000, 60_000),
        // within the side limit, far over the pixel budget
        png_declaring(15_000, 15_000),
        jpeg_declaring(65_000, 65_000),
        jpeg_declaring(19_000, 19_000),
    ] {
        assert!(bomb.len() < 2_000, "a small file");
        assert_eq!(
            decode_qr(&bomb, DEFAULT_BUDGET).unwrap_err(),
            ScanError::TooLarge
        );
        assert_eq!(thumbnail_jpeg(&bomb, 256).unwrap_err(), ScanError::TooLarge);
    }
    // The same header at a sane size decodes (the refusal is about the size).
    let ok = png_declaring(1, 1);
    assert_ne!(
        thumbnail_jpeg(&ok, 64).unwrap_err(),
        ScanError::TooLarge,
        "a 1x1 header with no real data is damaged, not too large"
    );
}

#[test]
fn thumbnails_are_small_and_upright() {
    use crate::photo::synth;
    // Stored sideways (800×600) with EXIF orientation 6: shown 600 wide, 800 high.
    let photo = synth::jpeg(&synth::card(800, 600, 0.8), 85, Some(6));
    let thumb = thumbnail_jpeg(&photo, 200).unwrap();
    let img = image::load_from_memory(&thumb).unwrap();
    assert_eq!((img.width(), img.height()), (150, 200));
    let gray = load_gray(&photo).unwrap();
    assert_eq!(
        gray.dimensions(),
        (800, 600),
        "QR decoding works on stored pixels"
    );
}
