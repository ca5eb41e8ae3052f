//! How every command names a procedure: by its catalog id (`passport-domestic`) or by its
//! national code (`1.001456`). One resolver, so `dvc catalog show`, `dvc draft new` and the app
//! accept the same names.

use rusqlite::OptionalExtension;

use super::is_slug;
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::Core;

/// Whether `key` has the shape of a national procedure code: digits and dots, e.g. `1.001456`.
fn is_national_code(key: &str) -> bool {
    key.len() <= 20 && key.contains('.') && key.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The catalog id of the procedure `id_or_code` names (surrounding spaces ignored). An id wins
/// over a code when both match. A name of neither shape is bad input (`catalog.id_invalid`);
/// one the stored catalog does not have is not found.
pub fn resolve_procedure(store: &Store, id_or_code: &str) -> Result<String> {
    let key = id_or_code.trim();
    if !is_national_code(key) && !is_slug(key) {
        return Err(CoreError::invalid(
            "procedure",
            "expected a procedure id (lowercase-with-dashes) or a code like 1.001456",
            "catalog.id_invalid",
        ));
    }
    let id = store.read(|c| -> Result<Option<String>> {
        Ok(c.query_row(
            "SELECT id FROM catalog_procedure WHERE id = ?1 OR code = ?1
             ORDER BY id = ?1 DESC LIMIT 1",
            [key],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    id.ok_or_else(|| CoreError::NotFound {
        what: format!("procedure `{key}`"),
    })
}

impl Core {
    /// The catalog id of a procedure named by id or national code (see [`resolve_procedure`]).
    pub fn resolve_procedure(&self, id_or_code: &str) -> Result<String> {
        resolve_procedure(self.store(), id_or_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_national_codes_name_the_same_procedure() {
        let store = Store::open_in_memory().unwrap();
        super::super::import_bundled(&store).unwrap();
        assert_eq!(
            resolve_procedure(&store, "passport-domestic").unwrap(),
            "passport-domestic"
        );
        assert_eq!(
            resolve_procedure(&store, " 1.001456 ").unwrap(),
            "passport-domestic"
        );
        for bad in ["", "Passport", "1,001456", "a b", "../x"] {
            let e = resolve_procedure(&store, bad).unwrap_err();
            assert!(matches!(e, CoreError::Invalid { .. }), "{bad}: {e}");
        }
        for unknown in ["no-such-procedure", "9.999999"] {
            let e = resolve_procedure(&store, unknown).unwrap_err();
            assert!(matches!(e, CoreError::NotFound { .. }), "{unknown}: {e}");
        }
    }
}
