//! Synthetic QR photos for tests: a QR code of a made-up CCCD payload on a card, placed in a
//! "photo" and distorted the way phone cameras do (rotation, perspective, blur, noise, low
//! contrast, uneven light, small in a large frame). Deterministic (seeded).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_range_loop
)]

use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// Roughly normal (sum of uniforms).
    pub fn gauss(&mut self) -> f32 {
        (0..4).map(|_| self.f()).sum::<f32>() - 2.0
    }
}

const GIVEN: &[&str] = &["Mẫu", "Thử", "Nghiệm", "Hạnh", "Đức", "Ngọc", "Tùng", "Lụa"];
const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Hữu", "Thanh"];

/// A synthetic card payload (never a real person): 11 fields as on newer cards.
pub fn payload(rng: &mut Rng) -> String {
    let codes = [1u16, 79, 48, 92, 38, 40, 31, 27];
    let code = codes[rng.below(codes.len() as u64) as usize];
    let year = 1940 + rng.below(70) as i32;
    let female = rng.below(2) == 1;
    let cs = (year / 100 - 19) * 2 + i32::from(female);
    let id = format!("{code:03}{cs}{:02}{:06}", year % 100, rng.below(1_000_000));
    let name = format!(
        "{} {} {}",
        FAMILY[rng.below(8) as usize],
        MIDDLE[rng.below(5) as usize],
        GIVEN[rng.below(8) as usize]
    );
    let old = if rng.below(2) == 0 {
        format!("{:09}", rng.below(1_000_000_000))
    } else {
        String::new()
    };
    format!(
        "{id}|{old}|{name}|{:02}{:02}{year}|{}|Số {} Đường Thử Nghiệm, Phường Mẫu, Quận Giả Định, TP. Hồ Chí Minh|{:02}{:02}2021||||",
        1 + rng.below(28),
        1 + rng.below(12),
        if female { "Nữ" } else { "Nam" },
        1 + rng.below(300),
        1 + rng.below(28),
        1 + rng.below(12),
    )
}

/// The QR code with a 4-module quiet zone, `px` pixels a module, on white.
pub fn render(data: &str, px: u32) -> GrayImage {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).unwrap();
    let w = code.width() as u32;
    let colors = code.to_colors();
    let side = (w + 8) * px;
    let mut img = GrayImage::from_pixel(side, side, Luma([255]));
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i as u32 % w, i as u32 / w);
            for dy in 0..px {
                for dx in 0..px {
                    img.put_pixel((mx + 4) * px + dx, (my + 4) * px + dy, Luma([20]));
                }
            }
        }
    }
    img
}

/// A textured background (table top) of the given size.
pub fn background(w: u32, h: u32, rng: &mut Rng) -> GrayImage {
    let base = rng.range(70.0, 140.0);
    let fx = rng.range(0.005, 0.02);
    let fy = rng.range(0.005, 0.02);
    GrayImage::from_fn(w, h, |x, y| {
        let v = base + 25.0 * ((x as f32 * fx).sin() + (y as f32 * fy).cos());
        Luma([v.clamp(0.0, 255.0) as u8])
    })
}

/// The card: the QR on the right of a light card with some "printed" lines, 1.58:1.
pub fn card(qr: &GrayImage) -> GrayImage {
    let q = qr.width();
    let h = q * 13 / 10;
    let w = h * 158 / 100;
    let mut c = GrayImage::from_pixel(w, h, Luma([232]));
    let top = (h - q) / 2;
    let left = w - q - q / 10;
    image::imageops::replace(&mut c, qr, i64::from(left), i64::from(top));
    for i in 0..5 {
        let y = h / 8 + i * h / 7;
        for x in (w / 14)..(left - w / 20) {
            for t in 0..(h / 60).max(1) {
                if y + t < h && (x / 7) % 5 != 0 {
                    c.put_pixel(x, y + t, Luma([90]));
                }
            }
        }
    }
    c
}

fn sample(img: &GrayImage, x: f32, y: f32, bg: u8) -> u8 {
    let (w, h) = (img.width() as f32, img.height() as f32);
    if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
        return bg;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (ax, ay) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let (x1, y1) = (
        (x0 + 1).min(img.width() - 1),
        (y0 + 1).min(img.height() - 1),
    );
    let p = |x, y| f32::from(img.get_pixel(x, y)[0]);
    let top = p(x0, y0) * (1.0 - ax) + p(x1, y0) * ax;
    let bot = p(x0, y1) * (1.0 - ax) + p(x1, y1) * ax;
    (top * (1.0 - ay) + bot * ay).round() as u8
}

/// Solves the 8-parameter homography mapping `from[i]` → `to[i]`.
fn homography(from: [(f32, f32); 4], to: [(f32, f32); 4]) -> [f32; 9] {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (f64::from(from[i].0), f64::from(from[i].1));
        let (u, v) = (f64::from(to[i].0), f64::from(to[i].1));
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let piv = (col..8)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, piv);
        for r in 0..8 {
            if r != col {
                let f = a[r][col] / a[col][col];
                for k in col..9 {
                    a[r][k] -= f * a[col][k];
                }
            }
        }
    }
    let mut h = [0f32; 9];
    for i in 0..8 {
        h[i] = (a[i][8] / a[i][i]) as f32;
    }
    h[8] = 1.0;
    h
}

/// Places `src` into `dst` so that its corners land on `corners` (TL, TR, BR, BL).
pub fn warp_into(dst: &mut GrayImage, src: &GrayImage, corners: [(f32, f32); 4]) {
    let (w, h) = (src.width() as f32, src.height() as f32);
    // Inverse map: destination → source.
    let hm = homography(corners, [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]);
    let (minx, maxx) = corners
        .iter()
        .fold((f32::MAX, f32::MIN), |a, c| (a.0.min(c.0), a.1.max(c.0)));
    let (miny, maxy) = corners
        .iter()
        .fold((f32::MAX, f32::MIN), |a, c| (a.0.min(c.1), a.1.max(c.1)));
    let x0 = minx.max(0.0) as u32;
    let x1 = (maxx.ceil() as u32).min(dst.width());
    let y0 = miny.max(0.0) as u32;
    let y1 = (maxy.ceil() as u32).min(dst.height());
    for y in y0..y1 {
        for x in x0..x1 {
            let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
            let d = hm[6] * xf + hm[7] * yf + hm[8];
            let sx = (hm[0] * xf + hm[1] * yf + hm[2]) / d;
            let sy = (hm[3] * xf + hm[4] * yf + hm[5]) / d;
            if sx >= 0.0 && sy >= 0.0 && sx < w && sy < h {
                let v = sample(src, sx - 0.5, sy - 0.5, 0);
                dst.put_pixel(x, y, Luma([v]));
            }
        }
    }
}

/// The card placed in a `w`×`h` photo, rotated by `deg` about its centre, with perspective
/// `persp` (0 = none; 0.25 = one side a quarter shorter), its width `scale` of the photo's.
pub fn photo(
    card: &GrayImage,
    w: u32,
    h: u32,
    deg: f32,
    persp: f32,
    scale: f32,
    rng: &mut Rng,
) -> GrayImage {
    let mut out = background(w, h, rng);
    let cw = w as f32 * scale;
    let ch = cw * card.height() as f32 / card.width() as f32;
    let (cx, cy) = (
        w as f32 / 2.0 + rng.range(-0.05, 0.05) * w as f32,
        h as f32 / 2.0,
    );
    // Perspective: the far edge (top) is narrower.
    let top = 0.5 * cw * (1.0 - persp);
    let bot = 0.5 * cw;
    let local = [
        (-top, -ch / 2.0),
        (top, -ch / 2.0),
        (bot, ch / 2.0),
        (-bot, ch / 2.0),
    ];
    let (s, c) = deg.to_radians().sin_cos();
    let corners = local.map(|(x, y)| (cx + x * c - y * s, cy + x * s + y * c));
    warp_into(&mut out, card, corners);
    out
}

pub fn blur(img: &GrayImage, sigma: f32) -> GrayImage {
    image::imageops::blur(img, sigma)
}

pub fn noise(img: &GrayImage, amount: f32, rng: &mut Rng) -> GrayImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p[0] = (f32::from(p[0]) + amount * rng.gauss()).clamp(0.0, 255.0) as u8;
    }
    out
}

/// Squeezes grey levels into [lo, hi].
pub fn low_contrast(img: &GrayImage, lo: u8, hi: u8) -> GrayImage {
    let mut out = img.clone();
    let span = f32::from(hi - lo) / 255.0;
    for p in out.pixels_mut() {
        p[0] = lo + (f32::from(p[0]) * span) as u8;
    }
    out
}

/// A light gradient across the photo (lamp on one side, shadow on the other).
pub fn uneven_light(img: &GrayImage, strength: f32) -> GrayImage {
    let w = img.width() as f32;
    let mut out = img.clone();
    for (x, _, p) in out.enumerate_pixels_mut() {
        let k = 1.0 - strength * (x as f32 / w);
        p[0] = (f32::from(p[0]) * k).clamp(0.0, 255.0) as u8;
    }
    out
}

pub fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap();
    out
}

pub fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
