fn main() {
    // Every app command gets an `allow-<command>` permission; capabilities/default.json grants
    // exactly these. A command missing here cannot be called from the UI.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(dvc_app_commands::COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e:#}"));
}

#[path = "src/command_list.rs"]
mod dvc_app_commands;
