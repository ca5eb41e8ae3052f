//! Photo pipeline benchmark, side by side in one run, on generated 12 MP JPEGs carrying an EXIF
//! orientation and a GPS tag: our pipeline (`dvc photo prepare`) vs libvips `vipsthumbnail`,
//! ImageMagick `convert`, and a naive `image::open → resize → save`. Each tool runs in its own
//! child process under GNU time: median wall time of several runs and peak RSS.
//!
//! `cargo bench -p dvc-core --bench photo_pipeline` (or `./x bench`) runs it for real; under plain
//! `cargo test` it does one tiny in-process iteration so it stays compiled and working.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use dvc_core::photo::{self, synth};

const RUNS: usize = 7;

/// The naive baseline: decode everything, resize, save (what a first version would do).
fn naive(input: &Path, output: &Path) {
    let img = image::open(input).expect("naive: open");
    let out = img.resize_to_fill(600, 900, image::imageops::FilterType::Lanczos3);
    out.save(output).expect("naive: save");
}

/// A 12 MP photo-like picture: the synthetic portrait plus sensor-like noise everywhere, stored
/// rotated (landscape) with EXIF orientation 6 + GPS, or a card shot with orientation 1 + GPS.
fn make_inputs(dir: &Path) -> Vec<(&'static str, &'static str, PathBuf)> {
    let mut portrait = synth::portrait(3000, 4000, Default::default());
    grain(&mut portrait);
    let stored = synth::rotate_ccw(&portrait);
    let p = dir.join("portrait-12mp-o6.jpg");
    std::fs::write(&p, synth::jpeg(&stored, 92, Some(6))).unwrap();
    let mut card = synth::card(4000, 3000, 0.85);
    grain(&mut card);
    let c = dir.join("card-12mp-o1.jpg");
    std::fs::write(&c, synth::jpeg(&card, 92, Some(1))).unwrap();
    vec![
        ("portrait 4000x3000 o6", "portrait", p),
        ("cccd 4000x3000 o1", "cccd-front", c),
    ]
}

fn grain(img: &mut synth::Image) {
    let mut s: u32 = 0x1234_5678;
    for v in &mut img.rgb {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *v = (i32::from(*v) + (s % 13) as i32 - 6).clamp(0, 255) as u8;
    }
}

struct Sample {
    ms: f64,
    rss_mb: Option<f64>,
}

/// Runs `cmd` under GNU time (when present) and returns wall time and peak RSS.
fn measure(program: &str, args: &[String], env: &[(&str, &str)], dir: &Path) -> Option<Sample> {
    let stat = dir.join("time.txt");
    let have_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if have_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(&stat).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).envs(env.iter().copied());
    let t = Instant::now();
    let out = cmd.output().ok()?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        println!(
            "  {program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
        return None;
    }
    let rss_mb = std::fs::read_to_string(&stat)
        .ok()
        .and_then(|s| s.trim().lines().last()?.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    Some(Sample { ms, rss_mb })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool} >/dev/null"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--naive") {
        naive(Path::new(&args[2]), Path::new(&args[3]));
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        // Under `cargo test`: one tiny iteration, in process.
        let img = synth::portrait(300, 400, Default::default());
        let jpeg = synth::jpeg(&synth::rotate_ccw(&img), 90, Some(6));
        let p = photo::prepare_kind("portrait", &jpeg, None).unwrap();
        assert_eq!((p.width, p.height), (600, 900));
        let dir = tempfile::tempdir().unwrap();
        let (i, o) = (dir.path().join("in.jpg"), dir.path().join("out.jpg"));
        std::fs::write(&i, &jpeg).unwrap();
        naive(&i, &o);
        println!(
            "photo_pipeline: smoke run ok ({} ms in process); run with --bench for the table",
            p.millis
        );
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let me = std::env::current_exe()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let dvc = env!("CARGO_BIN_EXE_dvc").to_string();
    println!("photo pipeline: generating the 12 MP test photos…");
    let inputs = make_inputs(dir.path());
    for (label, _, p) in &inputs {
        println!("  {label}: {} bytes", std::fs::metadata(p).unwrap().len());
    }
    println!(
        "\n{RUNS} runs each, median wall time of the whole process (start, read, decode, orient, crop, resize, encode, write) and peak RSS.\n"
    );
    println!(
        "{:<24} {:<26} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "photo", "tool", "median ms", "peak MB", "out KB", "×vips", "×naive"
    );
    let mut goals = Vec::new();
    for (label, kind, input) in &inputs {
        let (ow, oh) = if *kind == "portrait" {
            (600, 900)
        } else {
            (1280, 808)
        };
        let inp = input.to_string_lossy().into_owned();
        let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let size = format!("{ow}x{oh}");
        // (row name, program, arguments, environment, output file)
        type Tool<'a> = (
            &'a str,
            String,
            Vec<String>,
            Vec<(&'a str, &'a str)>,
            String,
        );
        let tools: Vec<Tool<'_>> = vec![
            (
                "ours (dvc photo prepare)",
                dvc.clone(),
                vec![
                    "photo".into(),
                    "prepare".into(),
                    (*kind).into(),
                    inp.clone(),
                    out("ours.jpg"),
                    "--json".into(),
                ],
                vec![],
                out("ours.jpg"),
            ),
            (
                "vipsthumbnail",
                "vipsthumbnail".into(),
                vec![
                    inp.clone(),
                    "--size".into(),
                    size.clone(),
                    "--smartcrop".into(),
                    "centre".into(),
                    "-o".into(),
                    format!("{}[Q=88,strip]", out("vips.jpg")),
                ],
                vec![],
                out("vips.jpg"),
            ),
            (
                "vipsthumbnail 1 thread",
                "vipsthumbnail".into(),
                vec![
                    inp.clone(),
                    "--size".into(),
                    size.clone(),
                    "--smartcrop".into(),
                    "centre".into(),
                    "-o".into(),
                    format!("{}[Q=88,strip]", out("vips1.jpg")),
                ],
                vec![("VIPS_CONCURRENCY", "1")],
                out("vips1.jpg"),
            ),
            (
                "ImageMagick convert",
                "/usr/bin/convert".into(),
                vec![
                    "-define".into(),
                    format!("jpeg:size={}x{}", ow * 2, oh * 2),
                    inp.clone(),
                    "-auto-orient".into(),
                    "-resize".into(),
                    format!("{size}^"),
                    "-gravity".into(),
                    "center".into(),
                    "-extent".into(),
                    size.clone(),
                    "-strip".into(),
                    "-quality".into(),
                    "88".into(),
                    out("magick.jpg"),
                ],
                vec![],
                out("magick.jpg"),
            ),
            (
                "naive image::open→resize→save",
                me.clone(),
                vec!["--naive".into(), inp.clone(), out("naive.jpg")],
                vec![],
                out("naive.jpg"),
            ),
        ];
        let mut rows = Vec::new();
        for (name, program, targs, env, produced) in &tools {
            if (program == "vipsthumbnail" && !on_path("vipsthumbnail"))
                || (program.ends_with("convert") && !Path::new(program).exists())
            {
                rows.push((*name, None, None, None));
                continue;
            }
            let mut times = Vec::new();
            let mut rss: f64 = 0.0;
            for _ in 0..RUNS {
                if let Some(s) = measure(program, targs, env, dir.path()) {
                    times.push(s.ms);
                    rss = rss.max(s.rss_mb.unwrap_or(0.0));
                }
            }
            let kb = std::fs::metadata(produced)
                .map(|m| m.len() as f64 / 1024.0)
                .ok();
            if times.is_empty() {
                rows.push((*name, None, None, kb));
            } else {
                rows.push((*name, Some(median(times)), Some(rss), kb));
            }
        }
        let vips = rows
            .iter()
            .find(|r| r.0 == "vipsthumbnail")
            .and_then(|r| r.1);
        let naive_ms = rows
            .iter()
            .find(|r| r.0.starts_with("naive"))
            .and_then(|r| r.1);
        for (name, ms, rss, kb) in &rows {
            let f = |v: Option<f64>, p: usize| {
                v.map(|v| format!("{v:.p$}"))
                    .unwrap_or_else(|| "n/a".into())
            };
            let ratio = |base: Option<f64>| match (ms, base) {
                (Some(m), Some(b)) if b > 0.0 => format!("{:.2}", m / b),
                _ => "n/a".into(),
            };
            println!(
                "{:<24} {:<26} {:>10} {:>10} {:>9} {:>9} {:>9}",
                label,
                name,
                f(*ms, 1),
                f(*rss, 1),
                f(*kb, 0),
                ratio(vips),
                ratio(naive_ms)
            );
        }
        if let Some((_, Some(ms), Some(rss), _)) = rows.first() {
            goals.push(format!(
                "{label}: {:.2}× vipsthumbnail (goal ≤ 1.0), {:.2}× naive (goal ≤ 0.25), peak {:.1} MB (goal ≤ 96)",
                vips.map(|v| ms / v).unwrap_or(f64::NAN),
                naive_ms.map(|v| ms / v).unwrap_or(f64::NAN),
                rss
            ));
        }
    }
    println!("\nwhere we stand:");
    for g in goals {
        println!("  {g}");
    }
}
