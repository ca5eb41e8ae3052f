//! Quality checks on the prepared photo, each pass / warn / fail with a `photo.*` message key.
//! All thresholds live in [`THRESHOLDS`].

use serde::Serialize;

use super::profiles::{CheckName, Profile};
use super::transform::Crop;

/// Every number the checks compare against, in one place.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Background (portrait): mean luma of the border at least this to pass / warn.
    pub bg_luma_pass: f64,
    pub bg_luma_warn: f64,
    /// Mean saturation ((max−min)/255) of the border at most this to pass / warn.
    pub bg_sat_pass: f64,
    pub bg_sat_warn: f64,
    /// Standard deviation of the border's luma at most this to pass / warn (evenness).
    pub bg_std_pass: f64,
    pub bg_std_warn: f64,
    /// Sharpness: variance of the Laplacian in the centre at least this to pass / warn.
    pub sharp_pass: f64,
    pub sharp_warn: f64,
    /// Exposure: mean luma of the centre at least this to pass / warn (too dark below).
    pub dark_pass: f64,
    pub dark_warn: f64,
    /// Exposure: share of blown-out (≥ 250) pixels in the centre at most this to pass / warn.
    pub blown_pass: f64,
    pub blown_warn: f64,
    /// Free-shaped (document) photos: long side of the crop at least this to pass.
    pub doc_long_side_pass: u32,
    /// Card fill: share of the frame covered by the detailed area at least this to pass / warn.
    pub fill_pass: f64,
    pub fill_warn: f64,
    /// Card fill: gradient above which a pixel counts as detail.
    pub fill_edge: i32,
}

pub const THRESHOLDS: Thresholds = Thresholds {
    bg_luma_pass: 200.0,
    bg_luma_warn: 160.0,
    bg_sat_pass: 0.10,
    bg_sat_warn: 0.22,
    bg_std_pass: 20.0,
    bg_std_warn: 40.0,
    sharp_pass: 60.0,
    sharp_warn: 20.0,
    dark_pass: 80.0,
    dark_warn: 50.0,
    blown_pass: 0.20,
    blown_warn: 0.45,
    doc_long_side_pass: 1200,
    fill_pass: 0.60,
    fill_warn: 0.35,
    fill_edge: 40,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

/// One check's result: `name`, `result`, `message_key` (UI text), and the measured `value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    pub name: &'static str,
    pub result: Outcome,
    pub message_key: &'static str,
    pub value: f64,
}

/// A view of an RGB 8-bit image.
#[derive(Clone, Copy)]
pub struct Rgb<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
}

impl Rgb<'_> {
    fn px(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y as usize) * (self.width as usize) + x as usize) * 3;
        match self.data.get(i..i + 3) {
            Some(&[r, g, b]) => [r, g, b],
            _ => [0, 0, 0],
        }
    }
    fn luma(&self, x: u32, y: u32) -> i32 {
        let [r, g, b] = self.px(x, y);
        (299 * i32::from(r) + 587 * i32::from(g) + 114 * i32::from(b)) / 1000
    }
}

fn grade(value: f64, pass: f64, warn: f64, higher_is_better: bool) -> Outcome {
    let ok = |t: f64| {
        if higher_is_better {
            value >= t
        } else {
            value <= t
        }
    };
    if ok(pass) {
        Outcome::Pass
    } else if ok(warn) {
        Outcome::Warn
    } else {
        Outcome::Fail
    }
}

/// Runs the profile's checks on the output image; `crop` is in the original's pixels.
pub fn run(profile: &Profile, img: Rgb<'_>, crop: Crop) -> Vec<Check> {
    profile
        .checks
        .iter()
        .map(|c| match c {
            CheckName::Resolution => resolution(profile, crop),
            CheckName::Exposure => exposure(img),
            CheckName::Sharpness => sharpness(img),
            CheckName::Background => background(img),
            CheckName::CardFill => card_fill(img),
        })
        .collect()
}

pub fn resolution(profile: &Profile, crop: Crop) -> Check {
    let t = THRESHOLDS;
    let result = if crop.width < profile.min_crop_width || crop.height < profile.min_crop_height {
        Outcome::Fail
    } else if profile.aspect.is_some() {
        if crop.width < profile.out_width || crop.height < profile.out_height {
            Outcome::Warn
        } else {
            Outcome::Pass
        }
    } else if crop.width.max(crop.height) < t.doc_long_side_pass {
        Outcome::Warn
    } else {
        Outcome::Pass
    };
    Check {
        name: CheckName::Resolution.as_str(),
        result,
        message_key: match result {
            Outcome::Pass => "photo.resolution_ok",
            Outcome::Warn => "photo.resolution_low",
            Outcome::Fail => "photo.resolution_too_low",
        },
        value: f64::from(crop.width) * f64::from(crop.height) / 1e6,
    }
}

/// The centre half (by side) of the image.
fn centre(img: Rgb<'_>) -> (u32, u32, u32, u32) {
    (
        img.width / 4,
        img.height / 4,
        img.width * 3 / 4,
        img.height * 3 / 4,
    )
}

pub fn exposure(img: Rgb<'_>) -> Check {
    let t = THRESHOLDS;
    let (x0, y0, x1, y1) = centre(img);
    let (mut sum, mut blown, mut n) = (0f64, 0f64, 0f64);
    for y in y0..y1.max(y0 + 1).min(img.height) {
        for x in x0..x1.max(x0 + 1).min(img.width) {
            let l = img.luma(x, y);
            sum += f64::from(l);
            if l >= 250 {
                blown += 1.0;
            }
            n += 1.0;
        }
    }
    let mean = sum / n.max(1.0);
    let blown = blown / n.max(1.0);
    let dark = grade(mean, t.dark_pass, t.dark_warn, true);
    let bright = grade(blown, t.blown_pass, t.blown_warn, false);
    let (result, message_key, value) = if dark >= bright && dark != Outcome::Pass {
        (dark, "photo.exposure_dark", mean)
    } else if bright != Outcome::Pass {
        (bright, "photo.exposure_bright", blown)
    } else {
        (Outcome::Pass, "photo.exposure_ok", mean)
    };
    Check {
        name: CheckName::Exposure.as_str(),
        result,
        message_key,
        value,
    }
}

pub fn sharpness(img: Rgb<'_>) -> Check {
    let t = THRESHOLDS;
    let (x0, y0, x1, y1) = centre(img);
    let (x0, y0) = (x0.max(1), y0.max(1));
    let (x1, y1) = (
        x1.min(img.width.saturating_sub(1)),
        y1.min(img.height.saturating_sub(1)),
    );
    let (mut s, mut s2, mut n) = (0f64, 0f64, 0f64);
    for y in y0..y1 {
        for x in x0..x1 {
            let lap =
                img.luma(x - 1, y) + img.luma(x + 1, y) + img.luma(x, y - 1) + img.luma(x, y + 1)
                    - 4 * img.luma(x, y);
            let v = f64::from(lap);
            s += v;
            s2 += v * v;
            n += 1.0;
        }
    }
    let var = if n > 0.0 {
        s2 / n - (s / n).powi(2)
    } else {
        0.0
    };
    let result = grade(var, t.sharp_pass, t.sharp_warn, true);
    Check {
        name: CheckName::Sharpness.as_str(),
        result,
        message_key: match result {
            Outcome::Pass => "photo.sharpness_ok",
            Outcome::Warn => "photo.sharpness_soft",
            Outcome::Fail => "photo.sharpness_blurry",
        },
        value: var,
    }
}

/// Portrait background: the top band and the side bands of the upper half.
pub fn background(img: Rgb<'_>) -> Check {
    let t = THRESHOLDS;
    let band_h = (img.height / 10).max(1);
    let band_w = (img.width / 10).max(1);
    let (mut sl, mut sl2, mut ss, mut n) = (0f64, 0f64, 0f64, 0f64);
    let mut add = |x: u32, y: u32| {
        let [r, g, b] = img.px(x, y);
        let l = f64::from(img.luma(x, y));
        let sat = f64::from(r.max(g).max(b) - r.min(g).min(b)) / 255.0;
        sl += l;
        sl2 += l * l;
        ss += sat;
        n += 1.0;
    };
    for y in 0..band_h.min(img.height) {
        for x in 0..img.width {
            add(x, y);
        }
    }
    for y in band_h..(img.height / 2) {
        for x in (0..band_w).chain(img.width.saturating_sub(band_w)..img.width) {
            add(x, y);
        }
    }
    let n = n.max(1.0);
    let mean = sl / n;
    let std = (sl2 / n - mean * mean).max(0.0).sqrt();
    let sat = ss / n;
    let colour = grade(mean, t.bg_luma_pass, t.bg_luma_warn, true).max(grade(
        sat,
        t.bg_sat_pass,
        t.bg_sat_warn,
        false,
    ));
    let even = grade(std, t.bg_std_pass, t.bg_std_warn, false);
    let (result, message_key, value) = if colour >= even && colour != Outcome::Pass {
        (colour, "photo.background_not_white", mean)
    } else if even != Outcome::Pass {
        (even, "photo.background_uneven", std)
    } else {
        (Outcome::Pass, "photo.background_ok", mean)
    };
    Check {
        name: CheckName::Background.as_str(),
        result,
        message_key,
        value,
    }
}

/// Card fill: the bounding box of rows and columns with detail (edges), as a share of the frame.
/// A card on a plain table leaves a detail-free margin; a card that fills the frame does not.
pub fn card_fill(img: Rgb<'_>) -> Check {
    let t = THRESHOLDS;
    let (w, h) = (img.width, img.height);
    let mut rows = vec![0u32; h as usize];
    let mut cols = vec![0u32; w as usize];
    for y in 0..h.saturating_sub(1) {
        for x in 0..w.saturating_sub(1) {
            let l = img.luma(x, y);
            let g = (img.luma(x + 1, y) - l).abs() + (img.luma(x, y + 1) - l).abs();
            if g > t.fill_edge {
                rows[y as usize] += 1;
                cols[x as usize] += 1;
            }
        }
    }
    let span = |counts: &[u32], len_other: u32| -> f64 {
        let min = (len_other / 100).max(1);
        let first = counts.iter().position(|&c| c >= min);
        let last = counts.iter().rposition(|&c| c >= min);
        match (first, last) {
            (Some(a), Some(b)) if b >= a => (b - a + 1) as f64 / counts.len().max(1) as f64,
            _ => 0.0,
        }
    };
    let fill = span(&rows, w) * span(&cols, h);
    let result = grade(fill, t.fill_pass, t.fill_warn, true);
    Check {
        name: CheckName::CardFill.as_str(),
        result,
        message_key: match result {
            Outcome::Pass => "photo.card_fill_ok",
            Outcome::Warn => "photo.card_fill_small",
            Outcome::Fail => "photo.card_fill_too_small",
        },
        value: fill,
    }
}

#[cfg(test)]
mod tests {
    use super::super::synth;
    use super::*;

    fn view(s: &synth::Image) -> Rgb<'_> {
        Rgb {
            data: &s.rgb,
            width: s.width,
            height: s.height,
        }
    }

    #[test]
    fn a_good_portrait_passes_every_check() {
        let p = synth::portrait(600, 900, synth::PortraitOpts::default());
        let v = view(&p);
        assert_eq!(background(v).result, Outcome::Pass, "{:?}", background(v));
        assert_eq!(sharpness(v).result, Outcome::Pass, "{:?}", sharpness(v));
        assert_eq!(exposure(v).result, Outcome::Pass, "{:?}", exposure(v));
    }

    #[test]
    fn coloured_or_uneven_backgrounds_fail() {
        let blue = synth::portrait(
            600,
            900,
            synth::PortraitOpts {
                background: [70, 110, 190],
                ..Default::default()
            },
        );
        let c = background(view(&blue));
        assert_eq!(
            (c.result, c.message_key),
            (Outcome::Fail, "photo.background_not_white")
        );
        let grey = synth::portrait(
            600,
            900,
            synth::PortraitOpts {
                background: [185, 185, 185],
                ..Default::default()
            },
        );
        assert_eq!(background(view(&grey)).result, Outcome::Warn);
        let shadow = synth::portrait(
            600,
            900,
            synth::PortraitOpts {
                shadow: true,
                ..Default::default()
            },
        );
        let c = background(view(&shadow));
        assert_eq!(c.message_key, "photo.background_uneven", "{c:?}");
        assert_ne!(c.result, Outcome::Pass);
    }

    #[test]
    fn blur_lowers_sharpness_to_fail() {
        let mut p = synth::portrait(600, 900, synth::PortraitOpts::default());
        let sharp = sharpness(view(&p)).value;
        synth::box_blur(&mut p, 4);
        let c = sharpness(view(&p));
        assert!(c.value < sharp / 5.0, "{sharp} → {}", c.value);
        assert_eq!(
            (c.result, c.message_key),
            (Outcome::Fail, "photo.sharpness_blurry")
        );
    }

    #[test]
    fn dark_and_blown_out_photos_are_flagged() {
        let mut p = synth::portrait(600, 900, synth::PortraitOpts::default());
        synth::scale_brightness(&mut p, 0.25);
        let c = exposure(view(&p));
        assert_eq!(
            (c.result, c.message_key),
            (Outcome::Fail, "photo.exposure_dark")
        );
        let mut p = synth::portrait(600, 900, synth::PortraitOpts::default());
        synth::scale_brightness(&mut p, 4.0);
        let c = exposure(view(&p));
        assert_eq!(
            (c.result, c.message_key),
            (Outcome::Fail, "photo.exposure_bright")
        );
        let mut p = synth::portrait(600, 900, synth::PortraitOpts::default());
        synth::scale_brightness(&mut p, 0.4);
        assert_eq!(exposure(view(&p)).result, Outcome::Warn);
    }

    #[test]
    fn card_fill_tells_a_full_frame_from_a_small_card() {
        let full = synth::card(1280, 808, 1.0);
        let c = card_fill(view(&full));
        assert_eq!(c.result, Outcome::Pass, "{c:?}");
        let half = synth::card(1280, 808, 0.7);
        assert_eq!(
            card_fill(view(&half)).result,
            Outcome::Warn,
            "{:?}",
            card_fill(view(&half))
        );
        let small = synth::card(1280, 808, 0.4);
        let c = card_fill(view(&small));
        assert_eq!(
            (c.result, c.message_key),
            (Outcome::Fail, "photo.card_fill_too_small")
        );
    }

    #[test]
    fn resolution_grades_the_crop_size() {
        let p = crate::photo::profiles::find("portrait").unwrap();
        let crop = |w, h| Crop {
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        assert_eq!(resolution(p, crop(2000, 3000)).result, Outcome::Pass);
        assert_eq!(resolution(p, crop(500, 750)).result, Outcome::Warn);
        assert_eq!(resolution(p, crop(300, 450)).result, Outcome::Fail);
        let d = crate::photo::profiles::find("document").unwrap();
        assert_eq!(resolution(d, crop(1000, 800)).result, Outcome::Warn);
        assert_eq!(resolution(d, crop(400, 800)).result, Outcome::Fail);
        assert_eq!(resolution(d, crop(2480, 3508)).result, Outcome::Pass);
    }
}
