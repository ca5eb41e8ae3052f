//! `dvc info`

use crate::{out, CliError, Ctx};

pub fn run(ctx: &Ctx) -> Result<(), CliError> {
    let core = ctx.open()?;
    let info = core.info()?;
    out::print(ctx, &info, |i| {
        let mut s = format!(
            "DVC Đồng Hành {}\nschema version: {}\ndata dir: {}\nkeystore: {}\nSQLCipher: {}",
            i.app_version,
            i.schema_version,
            i.data_dir.display(),
            i.keystore,
            i.cipher_version
        );
        s.push_str(&format!(
            "\ncatalog: {}",
            i.catalog_version.as_deref().unwrap_or("(none)")
        ));
        if let Some(u) = &i.catalog_update {
            s.push_str(&format!(
                "\nlast catalog update: {} {} {}{}",
                u.at,
                u.outcome,
                u.version.as_deref().unwrap_or("?"),
                u.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
        for (table, n) in &i.counts {
            s.push_str(&format!("\n{table}: {n}"));
        }
        s
    })
}
