//! Synthetic test pictures (a portrait on a background, a card on a table) and JPEGs with EXIF,
//! GPS, XMP and comment segments — for tests, the benchmark and the end-to-end test. No real
//! person or document is ever used.

/// An RGB 8-bit picture.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Image {
    pub fn filled(width: u32, height: u32, c: [u8; 3]) -> Self {
        let n = width as usize * height as usize;
        let mut rgb = Vec::with_capacity(n * 3);
        for _ in 0..n {
            rgb.extend_from_slice(&c);
        }
        Self { width, height, rgb }
    }
    fn set(&mut self, x: u32, y: u32, c: [u8; 3]) {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        if let Some(p) = self.rgb.get_mut(i..i + 3) {
            p.copy_from_slice(&c);
        }
    }
}

/// Deterministic noise in −a..=a.
fn noise(x: u32, y: u32, a: i32) -> i32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h % (2 * a as u32 + 1)) as i32 - a
}

fn add(c: [u8; 3], d: i32) -> [u8; 3] {
    c.map(|v| (i32::from(v) + d).clamp(0, 255) as u8)
}

#[derive(Debug, Clone, Copy)]
pub struct PortraitOpts {
    pub background: [u8; 3],
    /// A shadow falling across the background from the left.
    pub shadow: bool,
}

impl Default for PortraitOpts {
    fn default() -> Self {
        Self {
            background: [246, 246, 244],
            shadow: false,
        }
    }
}

/// A head-and-shoulders figure on a background, with skin and hair texture.
pub fn portrait(w: u32, h: u32, o: PortraitOpts) -> Image {
    let mut img = Image::filled(w, h, o.background);
    let (fw, fh) = (f64::from(w), f64::from(h));
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (f64::from(x) / fw, f64::from(y) / fh);
            // Head: an ellipse centred at (0.5, 0.42); hair on its top third.
            let hx = (xf - 0.5) / 0.22;
            let hy = (yf - 0.42) / 0.22 * (fh / fw) / 1.5;
            let head = hx * hx + hy * hy <= 1.0;
            // Shoulders: an ellipse at the bottom.
            let sx = (xf - 0.5) / 0.48;
            let sy = (yf - 1.05) / 0.3;
            let shoulders = sx * sx + sy * sy <= 1.0;
            let c = if head {
                let eye = (yf - 0.40).abs() < 0.012
                    && ((xf - 0.42).abs() < 0.03 || (xf - 0.58).abs() < 0.03);
                let mouth = (yf - 0.52).abs() < 0.008 && (xf - 0.5).abs() < 0.06;
                if yf < 0.30 {
                    add([40, 30, 25], noise(x, y, 24))
                } else if eye || mouth {
                    [60, 40, 40]
                } else {
                    add([214, 172, 142], noise(x, y, 14))
                }
            } else if shoulders {
                add([35, 45, 80], noise(x, y, 16))
            } else {
                let shade = if o.shadow {
                    ((0.5 - xf).max(0.0) * 200.0) as i32
                } else {
                    0
                };
                add(o.background, noise(x, y, 2) - shade)
            };
            img.set(x, y, c);
        }
    }
    img
}

/// A card (light, with lines of text-like marks) on a plain table; `fill` is the card's share
/// of each side of the frame (1.0 fills it).
pub fn card(w: u32, h: u32, fill: f64) -> Image {
    let mut img = Image::filled(w, h, [110, 96, 80]);
    let (cw, ch) = ((f64::from(w) * fill) as u32, (f64::from(h) * fill) as u32);
    let (x0, y0) = ((w - cw) / 2, (h - ch) / 2);
    for y in y0..y0 + ch {
        for x in x0..x0 + cw {
            let (u, v) = (
                f64::from(x - x0) / f64::from(cw),
                f64::from(y - y0) / f64::from(ch),
            );
            let photo = (0.05..0.3).contains(&u) && (0.25..0.8).contains(&v);
            let line =
                (v * 12.0).fract() < 0.35 && (0.35..0.95).contains(&u) && (0.08..0.95).contains(&v);
            let mark = ((u * 90.0).fract() < 0.6) && line;
            let c = if photo {
                add([150, 120, 100], noise(x, y, 30))
            } else if mark {
                [30, 30, 40]
            } else {
                add([222, 232, 240], noise(x, y, 3))
            };
            img.set(x, y, c);
        }
    }
    img
}

/// Box blur of radius `r` (twice, close to a Gaussian).
pub fn box_blur(img: &mut Image, r: u32) {
    for _ in 0..2 {
        let (w, h) = (img.width as usize, img.height as usize);
        let r = r as usize;
        let src = img.rgb.clone();
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0u32; 3];
                let mut n = 0;
                for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                        let i = (yy * w + xx) * 3;
                        for (a, v) in acc.iter_mut().zip(&src[i..i + 3]) {
                            *a += u32::from(*v);
                        }
                        n += 1;
                    }
                }
                let i = (y * w + x) * 3;
                for (d, a) in img.rgb[i..i + 3].iter_mut().zip(acc) {
                    *d = (a / n) as u8;
                }
            }
        }
    }
}

pub fn scale_brightness(img: &mut Image, f: f64) {
    for v in &mut img.rgb {
        *v = (f64::from(*v) * f).clamp(0.0, 255.0) as u8;
    }
}

/// Rotates counter-clockwise by 90° (so EXIF orientation 6 makes it upright again).
pub fn rotate_ccw(img: &Image) -> Image {
    let (w, h) = (img.width, img.height);
    let mut out = Image::filled(h, w, [0, 0, 0]);
    for y in 0..h {
        for x in 0..w {
            let i = (y as usize * w as usize + x as usize) * 3;
            let c = [img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]];
            out.set(y, w - 1 - x, c);
        }
    }
    out
}

/// Rotates clockwise by 90° (so EXIF orientation 8 makes it upright again).
pub fn rotate_cw(img: &Image) -> Image {
    let (w, h) = (img.width, img.height);
    let mut out = Image::filled(h, w, [0, 0, 0]);
    for y in 0..h {
        for x in 0..w {
            let i = (y as usize * w as usize + x as usize) * 3;
            let c = [img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]];
            out.set(h - 1 - y, x, c);
        }
    }
    out
}

/// A baseline JPEG of `img`, with (when `orientation` is given) an EXIF segment carrying that
/// orientation and a GPS position, plus an XMP packet and a comment — all of which the
/// pipeline must drop.
pub fn jpeg(img: &Image, quality: u8, orientation: Option<u16>) -> Vec<u8> {
    let mut plain = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut plain, quality);
    let (w, h) = (
        u16::try_from(img.width).unwrap_or(u16::MAX),
        u16::try_from(img.height).unwrap_or(u16::MAX),
    );
    if enc
        .encode(&img.rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .is_err()
    {
        return Vec::new();
    }
    let Some(o) = orientation else { return plain };
    let mut segs = Vec::new();
    let mut seg = |marker: u8, body: &[u8]| {
        segs.extend_from_slice(&[0xFF, marker]);
        segs.extend_from_slice(&u16::try_from(body.len() + 2).unwrap_or(0).to_be_bytes());
        segs.extend_from_slice(body);
    };
    seg(0xE1, &super::exif::build_exif_for_tests(o, false));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><exif:GPSLatitude>21,1.7N</exif:GPSLatitude></x:xmpmeta>");
    seg(0xE1, &xmp);
    seg(0xFE, b"SYNTHETIC-COMMENT-MARKER");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&segs);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The markers of a JPEG's header segments up to the first SOS (for metadata checks).
pub fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let m = bytes[i + 1];
        out.push(m);
        if m == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        i += 2 + len;
    }
    out
}
