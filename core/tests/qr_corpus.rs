//! The distortion corpus: synthetic CCCD QR codes photographed badly (see `support/qr.rs`),
//! decoded through the same path as the app (`qrscan::decode_qr` on JPEG bytes, then the CCCD
//! parser). Prints the decode rate per distortion and asserts a floor for each.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::time::{Duration, Instant};

use dvc_core::{cccd, qrscan};
use support::qr::{self, Rng};

type Make = fn(&str, &mut Rng) -> image::GrayImage;

fn base_photo(data: &str, rng: &mut Rng, deg: f32, persp: f32) -> image::GrayImage {
    let card = qr::card(&qr::render(data, 5));
    qr::photo(&card, 1280, 960, deg, persp, 0.62, rng)
}

const CASES: &[(&str, Make, f64)] = &[
    ("clean", |d, r| base_photo(d, r, 0.0, 0.0), 1.0),
    (
        "rotation_0_360",
        |d, r| {
            let deg = r.range(0.0, 360.0);
            base_photo(d, r, deg, 0.0)
        },
        0.9,
    ),
    (
        "perspective",
        |d, r| {
            let p = r.range(0.1, 0.3);
            let deg = r.range(-15.0, 15.0);
            base_photo(d, r, deg, p)
        },
        0.85,
    ),
    (
        "blur",
        |d, r| {
            let s = r.range(1.0, 2.0);
            qr::blur(&base_photo(d, r, 7.0, 0.0), s)
        },
        0.85,
    ),
    (
        "noise",
        |d, r| {
            let p = base_photo(d, r, -5.0, 0.05);
            qr::noise(&p, 28.0, r)
        },
        0.85,
    ),
    (
        "low_contrast",
        |d, r| {
            let p = base_photo(d, r, 12.0, 0.0);
            qr::low_contrast(&p, 105, 165)
        },
        0.85,
    ),
    (
        "uneven_light",
        |d, r| {
            let p = base_photo(d, r, -20.0, 0.1);
            qr::uneven_light(&p, 0.7)
        },
        0.85,
    ),
    (
        "small_in_large_photo",
        |d, r| {
            let card = qr::card(&qr::render(d, 3));
            let deg = r.range(-30.0, 30.0);
            qr::photo(&card, 3000, 2250, deg, 0.05, 0.2, r)
        },
        // Was 4/6 (floor 60%) before the finder-pattern crops; now 24/24 with DVC_QR_CORPUS_N=24.
        0.9,
    ),
];

#[test]
fn decode_rate_per_distortion() {
    let per_case: u64 = std::env::var("DVC_QR_CORPUS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let mut failures = Vec::new();
    println!(
        "{:<22} {:>7} {:>6} {:>9} {:>9}",
        "distortion", "decoded", "rate", "avg ms", "max ms"
    );
    for (ci, (name, make, floor)) in CASES.iter().enumerate() {
        let mut ok = 0u64;
        let mut total_ms = 0u128;
        let mut max_ms = 0u128;
        for i in 0..per_case {
            let mut rng = Rng::new(1000 * ci as u64 + i);
            let data = qr::payload(&mut rng);
            let img = make(&data, &mut rng);
            let bytes = qr::jpeg(&img, 85);
            let t = Instant::now();
            let got = qrscan::decode_qr(&bytes, qrscan::DEFAULT_BUDGET);
            let ms = t.elapsed().as_millis();
            total_ms += ms;
            max_ms = max_ms.max(ms);
            if std::env::var_os("DVC_QR_CORPUS_VERBOSE").is_some() {
                println!(
                    "  {name} #{i}: {:?} in {ms} ms",
                    got.as_ref().map(|s| (s.strategy, s.attempts))
                );
            }
            if let Ok(scan) = got {
                // Decoded means: exactly the payload, and it parses as a card.
                assert_eq!(String::from_utf8(scan.payload.clone()).unwrap(), data);
                cccd::parse_bytes(&scan.payload).unwrap();
                ok += 1;
            }
        }
        let rate = ok as f64 / per_case as f64;
        println!(
            "{:<22} {:>3}/{:<3} {:>5.0}% {:>9} {:>9}",
            name,
            ok,
            per_case,
            rate * 100.0,
            total_ms / u128::from(per_case),
            max_ms
        );
        if rate < *floor {
            failures.push(format!(
                "{name}: {:.0}% < {:.0}%",
                rate * 100.0,
                floor * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "decode rate below floor: {failures:?}");
}

#[test]
fn budget_is_respected_on_a_photo_without_a_code() {
    let mut rng = Rng::new(7);
    let img = qr::noise(&qr::background(2400, 1800, &mut rng), 30.0, &mut rng);
    let bytes = qr::jpeg(&img, 85);
    let r = qrscan::decode_qr(&bytes, Duration::from_millis(1500));
    assert_eq!(r.unwrap_err(), qrscan::ScanError::NoQr);
    // Counts, not durations: with no deadline the whole list runs; a deadline already past runs
    // nothing; one that passes during the first candidate stops the list right after it.
    // (a small photo, so the full list stays cheap)
    let small = qr::noise(&qr::background(800, 600, &mut rng), 30.0, &mut rng);
    let gray = qrscan::load_gray(&qr::jpeg(&small, 85)).unwrap();
    let far = Instant::now() + Duration::from_secs(24 * 3600);
    let all = qrscan::decode_gray(&gray, far).unwrap_err();
    assert!(all > 2, "the full list tried only {all} candidates");
    let past = Instant::now();
    assert_eq!(qrscan::decode_gray(&gray, past).unwrap_err(), 0);
    let now = Instant::now() + Duration::from_nanos(1);
    let one = qrscan::decode_gray(&gray, now).unwrap_err();
    assert!(one <= 1, "{one} candidates tried after the deadline passed");
}
