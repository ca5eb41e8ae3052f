//! A tiny reader of one EXIF tag: Orientation (0x0112) in IFD0. Bounds-checked; anything odd
//! means "no orientation".

/// The orientation (1–8) from a TIFF-structured EXIF block (with or without the `Exif\0\0`
/// prefix of the JPEG APP1 segment).
pub fn orientation(data: &[u8]) -> Option<u8> {
    let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(data);
    let le = match tiff.get(..4)? {
        [b'I', b'I', 42, 0] => true,
        [b'M', b'M', 0, 42] => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(entry)? == 0x0112 {
            // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
            if u16_at(entry + 2)? != 3 {
                return None;
            }
            let v = u16_at(entry + 8)?;
            return u8::try_from(v).ok().filter(|v| (1..=8).contains(v));
        }
    }
    None
}

/// Builds an EXIF block (`Exif\0\0` + little- or big-endian TIFF) with an orientation tag and a
/// GPS IFD pointing at made-up coordinates — for tests and the benchmark.
pub fn build_exif_for_tests(orientation: u16, big_endian: bool) -> Vec<u8> {
    let p16 = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let p32 = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut t = Vec::new();
    t.extend_from_slice(if big_endian { b"MM\0*" } else { b"II*\0" });
    t.extend_from_slice(&p32(8));
    // IFD0: 2 entries (Orientation, GPS IFD pointer), then next-IFD offset 0.
    t.extend_from_slice(&p16(2));
    t.extend_from_slice(&p16(0x0112));
    t.extend_from_slice(&p16(3));
    t.extend_from_slice(&p32(1));
    t.extend_from_slice(&p16(orientation));
    t.extend_from_slice(&[0, 0]);
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    t.extend_from_slice(&p16(0x8825));
    t.extend_from_slice(&p16(4));
    t.extend_from_slice(&p32(1));
    t.extend_from_slice(&p32(gps_ifd));
    t.extend_from_slice(&p32(0));
    // GPS IFD: GPSLatitudeRef 'N', GPSLatitude 3 rationals (21° 1' 42").
    let lat_data = gps_ifd + 2 + 2 * 12 + 4;
    t.extend_from_slice(&p16(2));
    t.extend_from_slice(&p16(0x0001));
    t.extend_from_slice(&p16(2));
    t.extend_from_slice(&p32(2));
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&p16(0x0002));
    t.extend_from_slice(&p16(5));
    t.extend_from_slice(&p32(3));
    t.extend_from_slice(&p32(lat_data));
    t.extend_from_slice(&p32(0));
    for (n, d) in [(21u32, 1u32), (1, 1), (42, 1)] {
        t.extend_from_slice(&p32(n));
        t.extend_from_slice(&p32(d));
    }
    let mut out = b"Exif\0\0".to_vec();
    out.extend_from_slice(&t);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_orientation_in_both_byte_orders() {
        for o in 1..=8u16 {
            assert_eq!(orientation(&build_exif_for_tests(o, false)), Some(o as u8));
            assert_eq!(orientation(&build_exif_for_tests(o, true)), Some(o as u8));
        }
    }

    #[test]
    fn garbage_and_truncation_give_none_without_panic() {
        let full = build_exif_for_tests(6, false);
        for cut in 0..full.len() {
            let _ = orientation(&full[..cut]);
        }
        assert_eq!(orientation(&full[..20]), None);
        assert_eq!(orientation(b"hello world"), None);
        assert_eq!(orientation(&build_exif_for_tests(9, true)), None);
        // An IFD offset pointing far outside the block.
        let mut bad = full.clone();
        bad[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(orientation(&bad), None);
    }
}
