//! `dvc photo prepare`: the real binary on generated photos (synthetic only).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test file: helpers may panic

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use dvc_core::photo::synth::{self, Image};
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn dvc(args: &[&str], dir: &Path) -> Run {
    let out = common::dvc_env_dir(&dir.join("data"), args);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn prepare(dir: &Path, kind: &str, input: &Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = dir.join(format!("{kind}-out.jpg"));
    let mut args = vec![
        "photo",
        "prepare",
        kind,
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let r = dvc(&args, dir);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    (v, std::fs::read(out).unwrap())
}

/// Decodes the output with an independent decoder (the `image` crate's).
fn decode(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
}

fn assert_no_metadata(jpeg: &[u8]) {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "not a JPEG");
    let markers = synth::jpeg_markers(jpeg);
    assert_eq!(markers.last(), Some(&0xDA), "no scan found: {markers:02X?}");
    for m in &markers {
        // APP0 (JFIF) is the format's own header; APP1..APP15 (EXIF, XMP, ICC, ...) and COM are not allowed.
        assert!(
            !(0xE1..=0xEF).contains(m) && *m != 0xFE,
            "metadata marker {m:02X} in {markers:02X?}"
        );
    }
    for needle in [
        &b"Exif"[..],
        b"GPS",
        b"xmpmeta",
        b"SYNTHETIC-COMMENT-MARKER",
        b"http://ns.adobe.com",
    ] {
        assert!(
            !jpeg.windows(needle.len()).any(|w| w == needle),
            "{:?} found in output",
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn every_kind_gives_a_clean_jpeg_of_the_right_shape_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let portrait = synth::portrait(1500, 2000, Default::default());
    let card = synth::card(2400, 1800, 0.9);
    let cases: [(&str, &Image, u32, u32, usize); 4] = [
        ("portrait", &portrait, 600, 900, 250_000),
        ("cccd-front", &card, 1280, 808, 400_000),
        ("cccd-back", &card, 1280, 808, 400_000),
        ("document", &card, 1600, 1200, 800_000),
    ];
    for (kind, img, w, h, max) in cases {
        let input = write(
            dir.path(),
            &format!("{kind}.jpg"),
            &synth::jpeg(img, 95, Some(1)),
        );
        // The input does carry EXIF with GPS, XMP and a comment.
        assert!(synth::jpeg_markers(&std::fs::read(&input).unwrap()).contains(&0xE1));
        let (v, jpeg) = prepare(dir.path(), kind, &input, &[]);
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(w.into()), Some(h.into())),
            "{kind}: {v}"
        );
        assert_eq!(v["bytes"].as_u64(), Some(jpeg.len() as u64));
        assert!(
            jpeg.len() <= max && jpeg.len() < 2_000_000,
            "{kind}: {} bytes",
            jpeg.len()
        );
        assert!(v["millis"].is_u64());
        use sha2::Digest;
        assert_eq!(
            v["sha256"].as_str().unwrap(),
            hex::encode(sha2::Sha256::digest(&jpeg))
        );
        let checks = v["checks"].as_array().unwrap();
        assert!(checks.len() >= 3, "{v}");
        for c in checks {
            assert!(
                ["pass", "warn", "fail"].contains(&c["result"].as_str().unwrap()),
                "{c}"
            );
            assert!(
                c["message_key"].as_str().unwrap().starts_with("photo."),
                "{c}"
            );
            assert!(c["name"].is_string());
        }
        let out = decode(&jpeg);
        assert_eq!((out.width(), out.height()), (w, h));
        assert_no_metadata(&jpeg);
    }
}

#[test]
fn a_good_synthetic_portrait_passes_its_checks() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "p.jpg",
        &synth::jpeg(
            &synth::portrait(1200, 1800, Default::default()),
            92,
            Some(1),
        ),
    );
    let (v, _) = prepare(dir.path(), "portrait", &input, &[]);
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["result"], "pass", "{c}");
    }
    let blue = synth::portrait(
        1200,
        1800,
        synth::PortraitOpts {
            background: [60, 100, 200],
            ..Default::default()
        },
    );
    let input = write(dir.path(), "b.jpg", &synth::jpeg(&blue, 92, None));
    let (v, _) = prepare(dir.path(), "portrait", &input, &[]);
    let bg = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "background")
        .unwrap()
        .clone();
    assert_eq!(bg["result"], "fail", "{v}");
    assert_eq!(bg["message_key"], "photo.background_not_white");
}

/// Upright: red top third, blue bottom third.
fn marked(w: u32, h: u32) -> Image {
    let mut img = Image::filled(w, h, [128, 128, 128]);
    for y in 0..h {
        for x in 0..w {
            let c = if y < h / 3 {
                [220, 20, 20]
            } else if y >= h * 2 / 3 {
                [20, 20, 220]
            } else {
                [128, 128, 128]
            };
            let i = ((y * w + x) * 3) as usize;
            img.rgb[i..i + 3].copy_from_slice(&c);
        }
    }
    img
}

#[test]
fn exif_orientation_6_and_8_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let upright = marked(900, 1500);
    for (o, stored) in [
        (6u16, synth::rotate_ccw(&upright)),
        (8, synth::rotate_cw(&upright)),
    ] {
        assert_eq!((stored.width, stored.height), (1500, 900));
        let input = write(
            dir.path(),
            &format!("o{o}.jpg"),
            &synth::jpeg(&stored, 92, Some(o)),
        );
        for kind in ["document", "portrait"] {
            let (v, jpeg) = prepare(dir.path(), kind, &input, &[]);
            let out = decode(&jpeg);
            assert!(out.height() > out.width(), "orientation {o}, {kind}: {v}");
            let top = out.get_pixel(out.width() / 2, out.height() / 10).0;
            let bottom = out.get_pixel(out.width() / 2, out.height() * 9 / 10).0;
            assert!(
                top[0] > 150 && top[2] < 90,
                "orientation {o}, {kind}: top {top:?}"
            );
            assert!(
                bottom[2] > 150 && bottom[0] < 90,
                "orientation {o}, {kind}: bottom {bottom:?}"
            );
            assert_no_metadata(&jpeg);
        }
    }
}

#[test]
fn the_crop_rectangle_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "m.jpg",
        &synth::jpeg(&marked(1200, 1800), 92, None),
    );
    // Only the bottom (blue) third, 2:3.
    let (v, jpeg) = prepare(
        dir.path(),
        "portrait",
        &input,
        &["--crop", "300,1200,400,600"],
    );
    assert_eq!(v["crop"]["y"], 1200, "{v}");
    let out = decode(&jpeg);
    let mid = out.get_pixel(out.width() / 2, out.height() / 2).0;
    assert!(mid[2] > 150 && mid[0] < 90, "{mid:?}");
    // The resolution check fails for a crop this small? 400x600 is the minimum: it warns.
    let res = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "resolution")
        .unwrap()
        .clone();
    assert_eq!(res["result"], "warn", "{v}");
}

fn expect_bad(dir: &Path, args: &[&str], what: &str) -> String {
    let out = dir.join("never.jpg");
    let mut all = vec!["photo", "prepare"];
    all.extend_from_slice(args);
    all.push(out.to_str().unwrap());
    all.push("--json");
    let r = dvc(&all, dir);
    assert_eq!(r.code, 2, "{what}: stdout {} stderr {}", r.stdout, r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{what}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
    assert!(!out.exists(), "{what}: output written");
    r.stderr
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims width × height, with one tiny (wrong-sized) IDAT.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn bad_inputs_exit_2_with_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = synth::jpeg(&synth::portrait(600, 900, Default::default()), 90, Some(1));
    let empty = write(d, "empty.jpg", &[]);
    let text = write(d, "notes.jpg", b"this is a text file, not a photo\n");
    let truncated = write(d, "trunc.jpg", &good[..good.len() / 2]);
    let mut garbage = good.clone();
    let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    for (i, b) in garbage[sos + 20..].iter_mut().enumerate() {
        *b = if i % 7 == 0 {
            0xFF
        } else {
            (i * 131 % 251) as u8
        };
    }
    let corrupt = write(d, "corrupt.jpg", &garbage);
    // A JPEG whose frame header says 50,000 × 50,000.
    let mut bomb = good.clone();
    let sof = good.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 7].copy_from_slice(&50_000u16.to_be_bytes());
    bomb[sof + 7..sof + 9].copy_from_slice(&50_000u16.to_be_bytes());
    let bomb = write(d, "bomb.jpg", &bomb);
    let png_bomb = write(d, "bomb.png", &png_claiming(50_000, 50_000));
    let input = write(d, "ok.jpg", &good);

    let p = |p: &PathBuf| p.to_str().unwrap().to_string();
    assert!(expect_bad(d, &["portrait", &p(&empty)], "0-byte").contains("empty"));
    assert!(expect_bad(d, &["portrait", &p(&text)], "text").contains("not a JPEG, PNG or WebP"));
    assert!(expect_bad(d, &["portrait", &p(&truncated)], "truncated").contains("damaged"));
    let msg = expect_bad(d, &["cccd-front", &p(&corrupt)], "corrupt");
    assert!(msg.contains("damaged"), "{msg}");
    assert!(expect_bad(d, &["portrait", &p(&bomb)], "jpeg bomb").contains("50000x50000"));
    assert!(expect_bad(d, &["document", &p(&png_bomb)], "png bomb").contains("50000x50000"));
    assert!(expect_bad(d, &["passport", &p(&input)], "kind").contains("unknown photo kind"));
    assert!(expect_bad(d, &["portrait", "/nonexistent/x.jpg"], "missing").contains("cannot read"));
    let msg = expect_bad(
        d,
        &["portrait", &p(&input), "--crop", "500,0,400,600"],
        "crop outside",
    );
    assert!(msg.contains("not inside"), "{msg}");
    assert!(expect_bad(
        d,
        &["portrait", &p(&input), "--crop", "1,2,3"],
        "crop syntax"
    )
    .contains("bad crop"));
}

/// Peak RSS (KB) of `dvc` on a bomb, through GNU time; the header is refused before any pixel
/// buffer exists, so memory stays that of a small CLI run.
#[test]
fn bombs_are_refused_without_a_large_allocation() {
    if !Path::new("/usr/bin/time").exists() {
        eprintln!("GNU time is not installed: memory not measured (apt install time)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = synth::jpeg(&synth::portrait(600, 900, Default::default()), 90, None);
    let mut bomb = good.clone();
    let sof = good.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xC3, 0x50, 0xC3, 0x50]);
    let jpeg_bomb = write(d, "bomb.jpg", &bomb);
    let png_bomb = write(d, "bomb.png", &png_claiming(50_000, 50_000));
    for input in [jpeg_bomb, png_bomb] {
        let stat = d.join("rss.txt");
        let status = Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&stat)
            .arg(env!("CARGO_BIN_EXE_dvc"))
            .args(["photo", "prepare", "portrait"])
            .arg(&input)
            .arg(d.join("out.jpg"))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(2));
        let kb: u64 = std::fs::read_to_string(&stat)
            .unwrap()
            .trim()
            .lines()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        // 50,000² RGB would be 7.5 GB; the refusal must stay under 40 MB.
        assert!(kb < 40 * 1024, "{}: peak RSS {kb} KB", input.display());
    }
}
