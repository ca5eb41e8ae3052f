//! Photo profiles per kind (`assets/photo/profiles.json`, embedded at compile time). Procedures
//! refer to a profile by id (`portrait_4x6`, `cccd_front`, `cccd_back`, `document`).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::PhotoError;

const PROFILES_JSON: &str = include_str!("../../../assets/photo/profiles.json");

/// Output is never this large, whatever a profile says (the portal's limit is 2 MB).
pub const HARD_MAX_BYTES: usize = 2_000_000;

/// One named check a profile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Resolution,
    Exposure,
    Sharpness,
    Background,
    CardFill,
}

impl CheckName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolution => "resolution",
            Self::Exposure => "exposure",
            Self::Sharpness => "sharpness",
            Self::Background => "background",
            Self::CardFill => "card_fill",
        }
    }
}

/// How to prepare one kind of photo.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Profile {
    pub id: String,
    /// The kind's name on the CLI (`portrait`, `cccd-front`, ...).
    pub cli_kind: String,
    /// Width:height of the crop; `None` keeps the photo's own shape.
    pub aspect: Option<[f64; 2]>,
    /// Output size; with no aspect, the box the output fits in (never enlarged).
    pub out_width: u32,
    pub out_height: u32,
    pub max_bytes: usize,
    /// Below this crop size (in the original photo's pixels) the resolution check fails.
    pub min_crop_width: u32,
    pub min_crop_height: u32,
    pub checks: Vec<CheckName>,
}

#[derive(Deserialize)]
struct File {
    profiles: Vec<Profile>,
}

fn parse() -> Result<Vec<Profile>, String> {
    let file: File = serde_json::from_str(PROFILES_JSON).map_err(|e| e.to_string())?;
    for p in &file.profiles {
        if p.out_width == 0 || p.out_height == 0 || p.max_bytes == 0 {
            return Err(format!("profile {}: zero size", p.id));
        }
        if p.max_bytes >= HARD_MAX_BYTES {
            return Err(format!("profile {}: max_bytes must stay under 2 MB", p.id));
        }
        if let Some([w, h]) = p.aspect {
            if !(w > 0.0 && h > 0.0) {
                return Err(format!("profile {}: bad aspect", p.id));
            }
        }
    }
    Ok(file.profiles)
}

/// All profiles (parsed once).
pub fn all() -> Result<&'static [Profile], PhotoError> {
    static CELL: OnceLock<Result<Vec<Profile>, String>> = OnceLock::new();
    match CELL.get_or_init(parse) {
        Ok(v) => Ok(v.as_slice()),
        Err(e) => Err(PhotoError::Profiles(e.clone())),
    }
}

/// The profile with this id or CLI kind name.
pub fn find(name: &str) -> Result<&'static Profile, PhotoError> {
    all()?
        .iter()
        .find(|p| p.id == name || p.cli_kind == name)
        .ok_or_else(|| PhotoError::UnknownKind(name.chars().take(40).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_profiles_are_there_and_valid() {
        let ids: Vec<&str> = all().unwrap().iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["portrait_4x6", "cccd_front", "cccd_back", "document"]);
        assert_eq!(find("cccd-front").unwrap().id, "cccd_front");
        assert_eq!(find("portrait_4x6").unwrap().cli_kind, "portrait");
        assert!(find("passport").is_err());
        for p in all().unwrap() {
            assert!(p.max_bytes < HARD_MAX_BYTES);
            if let Some([w, h]) = p.aspect {
                let out = f64::from(p.out_width) / f64::from(p.out_height);
                assert!((out - w / h).abs() < 0.01, "{}: output aspect {out}", p.id);
            }
        }
    }
}
