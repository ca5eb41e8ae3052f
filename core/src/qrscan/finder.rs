//! Finding QR finder patterns (the three nested squares in the corners) in a binarised image,
//! cheaply, so a small code in a large photo can be cropped and decoded at full resolution.
//!
//! Classic run-length scan: along each row, five alternating runs dark–light–dark–light–dark in
//! the ratio 1:1:3:1:1 mark a candidate centre; a vertical scan through it must show the same
//! ratio. Nearby candidates are merged. Three centres with similar module size forming a near
//! right isosceles triangle give the region of one code.

use image::GrayImage;

/// A finder pattern: centre (pixels) and estimated module size (pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finder {
    pub x: f32,
    pub y: f32,
    pub module: f32,
    /// How many scan lines confirmed it (more = more certain).
    pub hits: u32,
}

fn dark(img: &GrayImage, x: u32, y: u32) -> bool {
    img.get_pixel(x, y)[0] < 128
}

/// Whether five run lengths are in the ratio 1:1:3:1:1 (within tolerance); returns the module.
fn ratio_ok(r: [u32; 5]) -> Option<f32> {
    let total: u32 = r.iter().sum();
    if total < 7 {
        return None;
    }
    let m = total as f32 / 7.0;
    let tol = m * 0.7;
    let ok = (r[0] as f32 - m).abs() < tol
        && (r[1] as f32 - m).abs() < tol
        && (r[2] as f32 - 3.0 * m).abs() < 1.5 * m
        && (r[3] as f32 - m).abs() < tol
        && (r[4] as f32 - m).abs() < tol;
    ok.then_some(m)
}

/// Vertical run lengths through (x, y), which must be dark: returns the 1:1:3:1:1 module size
/// and the centre row when the column shows a finder.
fn cross_check_vertical(img: &GrayImage, x: u32, y: u32, max_run: u32) -> Option<(f32, f32)> {
    let h = img.height();
    if !dark(img, x, y) {
        return None;
    }
    // Up from y: centre dark, light, dark.
    let mut r = [0u32; 5];
    let mut yy = y as i64;
    let count = |from_dark: bool, step: i64, yy: &mut i64| -> u32 {
        let mut n = 0;
        while *yy >= 0 && (*yy as u32) < h && dark(img, x, *yy as u32) == from_dark && n <= max_run
        {
            n += 1;
            *yy += step;
        }
        n
    };
    let c_up = count(true, -1, &mut yy);
    r[1] = count(false, -1, &mut yy);
    r[0] = count(true, -1, &mut yy);
    let mut yy = y as i64 + 1;
    let c_down = count(true, 1, &mut yy);
    r[3] = count(false, 1, &mut yy);
    r[4] = count(true, 1, &mut yy);
    r[2] = c_up + c_down;
    let m = ratio_ok(r)?;
    let centre = (y as f32 - c_up as f32 + 0.5) + r[2] as f32 / 2.0;
    Some((m, centre))
}

/// All finder patterns in a binarised image (pixels < 128 are dark). `step` rows apart.
pub fn find(img: &GrayImage, step: u32) -> Vec<Finder> {
    let (w, h) = img.dimensions();
    let max_run = (w.max(h) / 8).max(8);
    let mut raw: Vec<Finder> = Vec::new();
    let mut y = 0;
    while y < h {
        // Runs along the row: r[0..5] the last five, colour alternating, ending with the current.
        let mut runs = [0u32; 5];
        let mut filled = 0usize;
        let mut cur_dark = dark(img, 0, y);
        let mut len = 0u32;
        for x in 0..=w {
            let d = if x < w { dark(img, x, y) } else { !cur_dark };
            if d == cur_dark {
                len += 1;
                continue;
            }
            // A run ended at x-1.
            runs.rotate_left(1);
            runs[4] = len;
            filled = (filled + 1).min(5);
            if filled == 5 && cur_dark {
                if let Some(m) = ratio_ok(runs) {
                    let cx = x as f32 - runs[4] as f32 - runs[3] as f32 - runs[2] as f32 / 2.0;
                    let cxi = (cx.max(0.0) as u32).min(w - 1);
                    if let Some((mv, cy)) = cross_check_vertical(img, cxi, y, max_run) {
                        if mv < m * 1.8 && mv > m / 1.8 {
                            raw.push(Finder {
                                x: cx,
                                y: cy,
                                module: (m + mv) / 2.0,
                                hits: 1,
                            });
                        }
                    }
                }
            }
            cur_dark = d;
            len = 1;
        }
        y += step.max(1);
    }
    merge(raw)
}

/// Merges candidates closer than two modules into one (weighted average).
fn merge(raw: Vec<Finder>) -> Vec<Finder> {
    let mut out: Vec<Finder> = Vec::new();
    for f in raw {
        if let Some(g) = out.iter_mut().find(|g| {
            let d = ((g.x - f.x).powi(2) + (g.y - f.y).powi(2)).sqrt();
            d < 2.0 * g.module.max(f.module)
                && (g.module / f.module) < 1.6
                && (f.module / g.module) < 1.6
        }) {
            let n = g.hits as f32;
            g.x = (g.x * n + f.x) / (n + 1.0);
            g.y = (g.y * n + f.y) / (n + 1.0);
            g.module = (g.module * n + f.module) / (n + 1.0);
            g.hits += 1;
        } else {
            out.push(f);
        }
    }
    out
}

/// Axis-aligned regions `(x0, y0, x1, y1)` (pixels of the searched image) that hold a code:
/// three finders of similar module size in a near right isosceles triangle, plus a margin.
/// Best-supported first; at most `max`.
pub fn regions(finders: &[Finder], w: u32, h: u32, max: usize) -> Vec<(u32, u32, u32, u32)> {
    let mut fs: Vec<Finder> = finders.iter().copied().filter(|f| f.hits >= 2).collect();
    fs.sort_by_key(|f| std::cmp::Reverse(f.hits));
    fs.truncate(24);
    let mut found: Vec<(u32, (u32, u32, u32, u32))> = Vec::new();
    let dist = |a: &Finder, b: &Finder| ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
    for i in 0..fs.len() {
        for j in (i + 1)..fs.len() {
            for fk in &fs[j + 1..] {
                let t = [fs[i], fs[j], *fk];
                let (mn, mx) = t.iter().fold((f32::MAX, 0f32), |(a, b), f| {
                    (a.min(f.module), b.max(f.module))
                });
                if mx > mn * 1.7 {
                    continue;
                }
                let m = (t[0].module + t[1].module + t[2].module) / 3.0;
                let mut d = [dist(&t[0], &t[1]), dist(&t[1], &t[2]), dist(&t[0], &t[2])];
                d.sort_by(|a, b| a.total_cmp(b));
                // Legs: 14..=170 modules (versions 1..40); hypotenuse ≈ leg·√2; legs similar.
                let legs_modules = d[0] / m;
                if !(10.0..=180.0).contains(&legs_modules) {
                    continue;
                }
                if d[1] > d[0] * 1.35
                    || (d[2] / (d[0] * std::f32::consts::SQRT_2) - 1.0).abs() > 0.25
                {
                    continue;
                }
                // The fourth corner completes the parallelogram opposite the right-angle finder.
                let hyp = if d[2] == dist(&t[0], &t[1]) {
                    (0, 1, 2)
                } else if d[2] == dist(&t[1], &t[2]) {
                    (1, 2, 0)
                } else {
                    (0, 2, 1)
                };
                let (a, b, c) = (t[hyp.0], t[hyp.1], t[hyp.2]);
                let p4 = (a.x + b.x - c.x, a.y + b.y - c.y);
                let xs = [a.x, b.x, c.x, p4.0];
                let ys = [a.y, b.y, c.y, p4.1];
                let margin = 8.0 * m;
                let x0 = xs.iter().fold(f32::MAX, |s, v| s.min(*v)) - margin;
                let x1 = xs.iter().fold(f32::MIN, |s, v| s.max(*v)) + margin;
                let y0 = ys.iter().fold(f32::MAX, |s, v| s.min(*v)) - margin;
                let y1 = ys.iter().fold(f32::MIN, |s, v| s.max(*v)) + margin;
                let clamp = |v: f32, hi: u32| (v.max(0.0) as u32).min(hi);
                let r = (clamp(x0, w), clamp(y0, h), clamp(x1, w), clamp(y1, h));
                if r.2 > r.0 + 20 && r.3 > r.1 + 20 {
                    found.push((a.hits + b.hits + c.hits, r));
                }
            }
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.0));
    found.dedup_by(|a, b| a.1 == b.1);
    found.into_iter().take(max).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A synthetic finder pattern (7×7 modules) at module size `m`, top-left at (x, y).
    fn draw_finder(img: &mut GrayImage, x: u32, y: u32, m: u32) {
        for j in 0..7 {
            for i in 0..7 {
                let ring = i == 0 || j == 0 || i == 6 || j == 6;
                let core = (2..=4).contains(&i) && (2..=4).contains(&j);
                if ring || core {
                    for dy in 0..m {
                        for dx in 0..m {
                            img.put_pixel(x + i * m + dx, y + j * m + dy, Luma([0]));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn finds_three_finders_and_the_code_region() {
        let mut img = GrayImage::from_pixel(400, 300, Luma([255]));
        let m = 4;
        // A 25-module code at (100, 60): finders at three corners.
        draw_finder(&mut img, 100, 60, m);
        draw_finder(&mut img, 100 + 18 * m, 60, m);
        draw_finder(&mut img, 100, 60 + 18 * m, m);
        let fs = find(&img, 1);
        assert_eq!(fs.len(), 3, "{fs:?}");
        for f in &fs {
            assert!((f.module - m as f32).abs() < 1.0, "{f:?}");
        }
        let r = regions(&fs, 400, 300, 4);
        assert_eq!(r.len(), 1);
        let (x0, y0, x1, y1) = r[0];
        // The region holds the whole code (100..200 both ways, plus a margin).
        assert!(x0 <= 100 && y0 <= 60 && x1 >= 200 && y1 >= 160, "{r:?}");
        assert!(x1 - x0 < 260 && y1 - y0 < 260, "{r:?}");
    }

    #[test]
    fn blank_and_noise_give_nothing() {
        let img = GrayImage::from_pixel(200, 200, Luma([255]));
        assert!(find(&img, 1).is_empty());
        let stripes = GrayImage::from_fn(200, 200, |x, _| Luma([if x % 6 < 3 { 0 } else { 255 }]));
        assert!(regions(&find(&stripes, 1), 200, 200, 4).is_empty());
    }
}
