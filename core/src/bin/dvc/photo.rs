//! `dvc photo prepare <portrait|cccd-front|cccd-back|document> <in> <out> [--crop x,y,w,h]`

use std::path::PathBuf;

use clap::Subcommand;
use dvc_core::photo::{self, Crop, PhotoError};
use dvc_core::CoreError;

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Orient, crop, check and compress a photo to a JPEG without metadata.
    Prepare {
        /// portrait | cccd-front | cccd-back | document (or a profile id such as portrait_4x6)
        kind: String,
        /// The photo: JPEG, PNG or WebP.
        input: PathBuf,
        /// Where to write the JPEG.
        output: PathBuf,
        /// Crop rectangle in the upright photo's pixels: x,y,width,height.
        #[arg(long, value_name = "X,Y,W,H")]
        crop: Option<String>,
    },
}

fn bad(e: PhotoError) -> CliError {
    CliError::Core(CoreError::from(e))
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let Cmd::Prepare {
        kind,
        input,
        output,
        crop,
    } = cmd;
    let profile = photo::profiles::find(&kind).map_err(bad)?;
    let crop = crop.map(|c| c.parse::<Crop>()).transpose().map_err(bad)?;
    let meta = std::fs::metadata(&input)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", input.display())))?;
    if meta.len() > photo::decode::MAX_INPUT_BYTES {
        return Err(bad(PhotoError::FileTooBig { bytes: meta.len() }));
    }
    let bytes = std::fs::read(&input)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", input.display())))?;
    let prepared = photo::prepare(profile, &bytes, crop).map_err(bad)?;
    std::fs::write(&output, &prepared.jpeg)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", output.display())))?;
    out::print(ctx, &prepared, |p| {
        let mut s = format!(
            "{}x{} JPEG, {} bytes, quality {}, {} ms\nsha256 {}",
            p.width, p.height, p.bytes, p.quality, p.millis, p.sha256
        );
        for c in &p.checks {
            s.push_str(&format!(
                "\n{:<11} {:?} ({})",
                c.name, c.result, c.message_key
            ));
        }
        s
    })
}
