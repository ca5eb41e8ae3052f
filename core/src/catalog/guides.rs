//! How-to guides (`assets/guides/**`): the embedded files, or the set a catalog update stored
//! (`catalog_guide_file`; [`crate::Core::catalog_guides_list`]).

use serde::Serialize;

use super::bundle::GUIDE_FILES;
use super::model::{Audience, Guide, GuideIndex};
use super::{is_slug, CatalogError};
use crate::error::{CoreError, Result};

/// A guide in the list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GuideSummary {
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub audience: Audience,
    pub summary: String,
    pub summary_en: String,
    pub steps: usize,
}

/// A guide with its illustrations: `images` maps each `img/….svg` path it uses to the SVG text.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GuideView {
    #[serde(flatten)]
    pub guide: Guide,
    pub images: std::collections::BTreeMap<String, String>,
}

fn guide_file(name: &str) -> Option<&'static str> {
    GUIDE_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Where guide files come from: the embedded ones, or those a catalog update stored.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn embedded(name: &str) -> Option<String> {
    guide_file(name).map(str::to_owned)
}

fn parse<T: serde::de::DeserializeOwned>(look: Lookup<'_>, name: &str) -> Result<T> {
    let text = look(name).ok_or_else(|| CatalogError::Missing {
        file: format!("guides/{name}"),
    })?;
    serde_json::from_str(&text).map_err(|source| {
        CoreError::from(CatalogError::Parse {
            file: format!("guides/{name}"),
            source,
        })
    })
}

/// All guides in display order.
pub fn guides_list() -> Result<Vec<GuideSummary>> {
    guides_list_with(&embedded)
}

/// [`guides_list`] from the given files (`index.json`, `<id>.json`, `img/*.svg`).
pub(crate) fn guides_list_with(look: Lookup<'_>) -> Result<Vec<GuideSummary>> {
    let index: GuideIndex = parse(look, "index.json")?;
    index
        .guides
        .iter()
        .map(|id| {
            let g: Guide = parse(look, &format!("{id}.json"))?;
            Ok(GuideSummary {
                id: g.id,
                title: g.title,
                title_en: g.title_en,
                audience: g.audience,
                summary: g.summary,
                summary_en: g.summary_en,
                steps: g.steps.len(),
            })
        })
        .collect()
}

/// One guide with the SVG text of every illustration it uses.
pub fn guide_show(id: &str) -> Result<GuideView> {
    guide_show_with(&embedded, id)
}

/// [`guide_show`] from the given files.
pub(crate) fn guide_show_with(look: Lookup<'_>, id: &str) -> Result<GuideView> {
    if !is_slug(id) || id == "index" {
        return Err(CoreError::invalid(
            "guide",
            "expected a guide id (lowercase-with-dashes)",
            "catalog.id_invalid",
        ));
    }
    let name = format!("{id}.json");
    if look(&name).is_none() {
        return Err(CoreError::NotFound {
            what: format!("guide `{id}`"),
        });
    }
    let guide: Guide = parse(look, &name)?;
    let mut images = std::collections::BTreeMap::new();
    let paths = guide
        .cover
        .iter()
        .chain(guide.steps.iter().filter_map(|s| s.image.as_ref()));
    for path in paths {
        check_image_path(path)?;
        let svg = look(path).ok_or_else(|| CoreError::NotFound {
            what: format!("illustration `{path}`"),
        })?;
        images.insert(path.clone(), svg);
    }
    Ok(GuideView { guide, images })
}

fn check_image_path(path: &str) -> Result<()> {
    let ok = path
        .strip_prefix("img/")
        .and_then(|n| n.strip_suffix(".svg"))
        .is_some_and(is_slug);
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "image",
            "expected img/<name>.svg",
            "catalog.id_invalid",
        ))
    }
}

/// The SVG text of an illustration (`img/<name>.svg`).
pub fn guide_image(path: &str) -> Result<&'static str> {
    check_image_path(path)?;
    guide_file(path).ok_or_else(|| CoreError::NotFound {
        what: format!("illustration `{path}`"),
    })
}
