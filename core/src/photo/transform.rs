//! Orientation, crop rectangles and resizing of RGB 8-bit buffers.

use fast_image_resize as fir;
use serde::{Deserialize, Serialize};

use super::PhotoError;

/// A crop rectangle in the upright photo's full-size pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl std::str::FromStr for Crop {
    type Err = PhotoError;
    /// `x,y,w,h` in pixels.
    fn from_str(s: &str) -> Result<Self, PhotoError> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse::<u32>().ok()).collect();
        if parts.len() != 4 || nums.len() != 4 {
            return Err(PhotoError::BadCrop(
                "expected x,y,width,height as four whole numbers".into(),
            ));
        }
        Ok(Crop {
            x: nums[0],
            y: nums[1],
            width: nums[2],
            height: nums[3],
        })
    }
}

/// The largest rectangle of `aspect` (w:h) inside `within`, centred in it.
pub fn fit_aspect(within: Crop, aspect: [f64; 2]) -> Crop {
    let [aw, ah] = aspect;
    let (w, h) = (f64::from(within.width), f64::from(within.height));
    let (cw, ch) = if w / h > aw / ah {
        (h * aw / ah, h)
    } else {
        (w, w * ah / aw)
    };
    let cw = (cw.round() as u32).clamp(1, within.width);
    let ch = (ch.round() as u32).clamp(1, within.height);
    Crop {
        x: within.x + (within.width - cw) / 2,
        y: within.y + (within.height - ch) / 2,
        width: cw,
        height: ch,
    }
}

/// The crop to use: the user's (checked against the photo, shrunk to the aspect around its
/// centre) or the centred default.
pub fn choose_crop(
    upright: (u32, u32),
    aspect: Option<[f64; 2]>,
    user: Option<Crop>,
) -> Result<Crop, PhotoError> {
    let (w, h) = upright;
    let base = match user {
        Some(c) => {
            let inside = c.width > 0
                && c.height > 0
                && u64::from(c.x) + u64::from(c.width) <= u64::from(w)
                && u64::from(c.y) + u64::from(c.height) <= u64::from(h);
            if !inside {
                return Err(PhotoError::BadCrop(format!(
                    "crop {}x{} at {},{} is not inside the {w}x{h} photo",
                    c.width, c.height, c.x, c.y
                )));
            }
            c
        }
        None => Crop {
            x: 0,
            y: 0,
            width: w,
            height: h,
        },
    };
    Ok(match aspect {
        Some(a) => fit_aspect(base, a),
        None => base,
    })
}

/// Output size for a crop: the profile's size, or (no aspect) the crop fitted in the box,
/// never enlarged.
pub fn output_size(crop: Crop, fixed: bool, box_w: u32, box_h: u32) -> (u32, u32) {
    if fixed {
        return (box_w, box_h);
    }
    let s = (f64::from(box_w) / f64::from(crop.width))
        .min(f64::from(box_h) / f64::from(crop.height))
        .min(1.0);
    (
        ((f64::from(crop.width) * s).round() as u32).max(1),
        ((f64::from(crop.height) * s).round() as u32).max(1),
    )
}

/// Applies EXIF orientation (1–8) to an RGB buffer; returns the new buffer and size.
pub fn orient(rgb: Vec<u8>, w: u32, h: u32, o: u8) -> (Vec<u8>, u32, u32) {
    if !(2..=8).contains(&o) {
        return (rgb, w, h);
    }
    let (w, h) = (w as usize, h as usize);
    let (ow, oh) = if (5..=8).contains(&o) { (h, w) } else { (w, h) };
    let mut out = vec![0u8; rgb.len()];
    for y in 0..oh {
        for x in 0..ow {
            let (sx, sy) = match o {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            let s = (sy * w + sx) * 3;
            let d = (y * ow + x) * 3;
            out[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
    (out, ow as u32, oh as u32)
}

/// Crops (sub-pixel, in the buffer's own pixels) and resizes with Lanczos3.
pub fn crop_resize(
    rgb: Vec<u8>,
    w: u32,
    h: u32,
    crop: (f64, f64, f64, f64),
    out_w: u32,
    out_h: u32,
) -> Result<Vec<u8>, PhotoError> {
    let src = fir::images::Image::from_vec_u8(w, h, rgb, fir::PixelType::U8x3)
        .map_err(|e| PhotoError::Internal(format!("resize source: {e}")))?;
    let mut dst = fir::images::Image::new(out_w, out_h, fir::PixelType::U8x3);
    let (x, y, cw, ch) = crop;
    let opts = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3))
        .crop(x, y, cw, ch);
    fir::Resizer::new()
        .resize(&src, &mut dst, &opts)
        .map_err(|e| PhotoError::Internal(format!("resize: {e}")))?;
    Ok(dst.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| [(i % 256) as u8, (i / 256 % 256) as u8, 7])
            .collect()
    }

    #[test]
    fn orientation_round_trips() {
        let (w, h) = (5, 3);
        let src = img(w, h);
        // 6 then 8 is the identity; 3 twice is the identity; 2 twice is the identity.
        let (a, aw, ah) = orient(src.clone(), w, h, 6);
        assert_eq!((aw, ah), (3, 5));
        let (b, bw, bh) = orient(a, aw, ah, 8);
        assert_eq!((bw, bh, &b), (w, h, &src));
        let (c, cw, ch) = orient(src.clone(), w, h, 3);
        assert_eq!(orient(c, cw, ch, 3).0, src);
        let (d, dw, dh) = orient(src.clone(), w, h, 5);
        assert_eq!(orient(d, dw, dh, 5).0, src);
    }

    #[test]
    fn rotate_90_clockwise_puts_bottom_left_at_top_left() {
        let (w, h) = (4, 2);
        let src = img(w, h);
        let (o, ow, _) = orient(src.clone(), w, h, 6);
        let bottom_left = ((h - 1) * w * 3) as usize;
        assert_eq!(&o[..3], &src[bottom_left..bottom_left + 3]);
        // Top-right of the rotated image is the source's top-left.
        let tr = ((ow - 1) * 3) as usize;
        assert_eq!(&o[tr..tr + 3], &src[..3]);
    }

    #[test]
    fn default_crop_is_centred_with_the_aspect() {
        let c = choose_crop((4000, 3000), Some([2.0, 3.0]), None).unwrap();
        assert_eq!(
            c,
            Crop {
                x: 1000,
                y: 0,
                width: 2000,
                height: 3000
            }
        );
        let c = choose_crop((3000, 4000), Some([85.6, 54.0]), None).unwrap();
        assert_eq!((c.x, c.width), (0, 3000));
        assert!((f64::from(c.width) / f64::from(c.height) - 85.6 / 54.0).abs() < 0.01);
        assert_eq!(c.y, (4000 - c.height) / 2);
    }

    #[test]
    fn user_crop_is_checked_and_kept_to_the_aspect() {
        let user = Crop {
            x: 100,
            y: 100,
            width: 1000,
            height: 1000,
        };
        let c = choose_crop((2000, 2000), Some([2.0, 3.0]), Some(user)).unwrap();
        assert_eq!(c.height, 1000);
        assert_eq!(c.width, 667);
        assert!(c.x >= 100 && c.x + c.width <= 1100);
        let outside = Crop {
            x: 1500,
            y: 0,
            width: 1000,
            height: 10,
        };
        assert!(matches!(
            choose_crop((2000, 2000), None, Some(outside)),
            Err(PhotoError::BadCrop(_))
        ));
        let huge = Crop {
            x: u32::MAX,
            y: 0,
            width: u32::MAX,
            height: 1,
        };
        assert!(choose_crop((2000, 2000), None, Some(huge)).is_err());
        assert!("1,2,3".parse::<Crop>().is_err());
        assert!("1,2,3,x".parse::<Crop>().is_err());
        assert_eq!("1, 2,3,4".parse::<Crop>().unwrap().height, 4);
    }

    #[test]
    fn free_output_is_never_enlarged() {
        let c = Crop {
            x: 0,
            y: 0,
            width: 800,
            height: 600,
        };
        assert_eq!(output_size(c, false, 1600, 1600), (800, 600));
        let c = Crop {
            x: 0,
            y: 0,
            width: 4000,
            height: 3000,
        };
        assert_eq!(output_size(c, false, 1600, 1600), (1600, 1200));
        assert_eq!(output_size(c, true, 600, 900), (600, 900));
    }
}
