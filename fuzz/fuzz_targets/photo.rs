//! The photo pipeline the app and the CLI use to take a photo in (`dvc_core::photo::prepare`:
//! sniff, header and pixel-budget checks, decode with EXIF orientation, crop, resize, quality
//! checks, JPEG re-encode within the profile's byte limit), for every profile, with and without
//! a crop; and the metadata stripping applied to stored papers. Limits must hold on any input.
#![no_main]

use dvc_core::documents::metadata;
use dvc_core::photo::{self, profiles, Crop};
use libfuzzer_sys::fuzz_target;

/// Input: `[profile][crop flag]` then, when the flag's low bit is set, the crop as four u16 LE
/// (x, y, width, height), then the image file.
struct Input<'a> {
    profile: u8,
    crop: Option<(u16, u16, u16, u16)>,
    bytes: &'a [u8],
}

fn input(data: &[u8]) -> Option<Input<'_>> {
    let (&profile, rest) = data.split_first()?;
    let (&flag, rest) = rest.split_first()?;
    if flag & 1 == 0 {
        return Some(Input {
            profile,
            crop: None,
            bytes: rest,
        });
    }
    let c = rest.get(..8)?;
    let n = |i: usize| u16::from_le_bytes([c[i], c[i + 1]]);
    Some(Input {
        profile,
        crop: Some((n(0), n(2), n(4), n(6))),
        bytes: &rest[8..],
    })
}

/// Seeds: tiny synthetic pictures (JPEG plain and with EXIF orientation, GPS, XMP and a comment;
/// PNG with alpha; lossless WebP), each as `[profile][crop flag](crop)<file>`.
fn write_seeds(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use dvc_core::photo::synth;
    use image::ImageEncoder;
    std::fs::create_dir_all(dir)?;
    let portrait = synth::portrait(24, 36, Default::default());
    let card = synth::card(32, 20, 0.6);
    let mut png = Vec::new();
    let rgba: Vec<u8> = card
        .rgb
        .chunks(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], (i * 7 % 256) as u8])
        .collect();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &rgba,
        card.width,
        card.height,
        image::ExtendedColorType::Rgba8,
    )?;
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp).write_image(
        &portrait.rgb,
        portrait.width,
        portrait.height,
        image::ExtendedColorType::Rgb8,
    )?;
    let crop: Vec<u8> = [2u16, 1, 28, 18]
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .collect();
    let seeds: [(&str, Vec<u8>, Vec<u8>); 4] = [
        ("seed-jpeg", vec![0, 0], synth::jpeg(&portrait, 60, None)),
        (
            "seed-jpeg-exif",
            vec![1, 0],
            synth::jpeg(&card, 60, Some(6)),
        ),
        ("seed-png-crop", [vec![3, 1], crop].concat(), png),
        ("seed-webp", vec![0, 0], webp),
    ];
    for (name, head, file) in seeds {
        std::fs::write(dir.join(name), [head, file].concat())?;
    }
    Ok(())
}

fuzz_target!(
    init: {
        if let Some(dir) = std::env::var_os("DVC_FUZZ_WRITE_SEEDS") {
            if let Err(e) = write_seeds(std::path::Path::new(&dir)) {
                panic!("writing seeds: {e}");
            }
        }
    },
    |data: &[u8]| {
    let Some(input) = input(data) else {
        return;
    };
    let Ok(all) = profiles::all() else {
        panic!("the bundled photo profiles do not load");
    };
    let profile = &all[usize::from(input.profile) % all.len()];
    let crop = input.crop.map(|(x, y, w, h)| Crop {
        x: x.into(),
        y: y.into(),
        width: w.into(),
        height: h.into(),
    });
    if let Ok(p) = photo::prepare(profile, input.bytes, crop) {
        assert!(p.bytes == p.jpeg.len() && p.bytes > 0);
        assert!(p.bytes <= profile.max_bytes, "{} bytes over the profile's {}", p.bytes, profile.max_bytes);
        assert!(p.bytes < profiles::HARD_MAX_BYTES);
        assert!(p.width >= 1 && p.height >= 1);
        assert!(
            p.width <= profile.out_width && p.height <= profile.out_height,
            "{}×{} outside the profile's {}×{}",
            p.width,
            p.height,
            profile.out_width,
            profile.out_height
        );
        assert!(p.crop.x.saturating_add(p.crop.width) <= p.source_width);
        assert!(p.crop.y.saturating_add(p.crop.height) <= p.source_height);
        assert!(p.jpeg.starts_with(&[0xFF, 0xD8]), "output is not a JPEG");
        // What comes out carries no metadata: stripping it again removes nothing.
        assert_eq!(metadata::strip(&p.jpeg).len(), p.jpeg.len(), "metadata left in the output");
    }
    // Papers are stored with their metadata removed; removing it twice changes nothing more.
    let once = metadata::strip(input.bytes);
    let twice = metadata::strip(&once);
    assert_eq!(twice.as_ref(), once.as_ref(), "metadata::strip is not idempotent");
}
);
