//! The registration list: every app command, one `module::command` line each (modules of
//! `src/commands/`). Adding a command means writing it in its module and adding its line here;
//! nothing else by hand:
//!
//! - `lib.rs` turns the list into the invoke handler and the TypeScript bindings
//!   (`ui/src/lib/bindings.ts`, checked by the `bindings_are_current` test);
//! - `build.rs` turns it into the `allow-<command>` permissions and the `app-commands` permission
//!   set that `capabilities/default.json` grants (`permissions/app-commands.toml`, generated);
//! - a test fails when a command is not `async` (Tauri runs plain `fn` commands on the main
//!   thread).
//!
//! Shared with `build.rs`, so this file holds the macro only.

/// Calls `$then! { module::command, … }` with the registration list.
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            shell::app_info,
            shell::settings_get,
            shell::settings_set,
            shell::ui_ready,
            catalog::catalog_search,
            catalog::catalog_show,
            catalog::catalog_fields,
            catalog::guides_list,
            catalog::guide_show,
            people::cccd_parse,
            people::cccd_scan_image,
            people::person_check,
            people::person_list,
            people::person_get,
            people::person_add,
            people::person_update,
            people::person_delete,
            people::document_add,
            people::document_thumbnail,
            people::document_delete,
            people::document_set_dates,
            people::household_list,
            people::household_get,
            people::household_add,
            people::household_set_member,
            people::household_remove_member,
            photo::photo_prepare,
            photo::photo_jpeg,
            dossier::dossier_form,
            dossier::draft_new,
            dossier::draft_set,
            dossier::draft_attach_photo,
            dossier::draft_attach_document,
            dossier::draft_detach,
            dossier::draft_check,
            dossier::draft_submit,
            dossier::draft_list,
            dossier::draft_show,
            dossier::draft_delete,
            sync::sync_account,
            sync::sync_login,
            sync::sync_logout,
            sync::sync_now,
            sync::sync_status,
            sync::sync_retry,
            sync::sync_settings,
            sync::sync_dossier,
            sync::sync_seen,
            sync::sync_notifications,
            after::after_view,
            after::after_claim_payment,
            after::after_cancel,
            after::after_rate,
            after::after_resubmit,
            after::after_result_file,
            after::after_save_receipt,
            lock::lock_status,
            lock::lock_unlock,
            lock::lock_set_pin,
            lock::lock_disable,
            lock::lock_now,
            lock::lock_wipe,
            consent::consent_request,
            consent::consent_confirm,
            consent::consent_grant,
            consent::consent_withdraw,
            consent::consent_list,
            consent::consent_refresh,
            consent::consent_paper,
            consent::volunteer_qr,
            account::account_server,
            account::account_rules,
            account::server_qr_parse,
            account::server_qr_scan_image,
            account::server_switch,
            account::account_register,
            account::account_verify,
            account::account_resend,
            account::account_password_reset,
            account::account_password_reset_confirm,
            account::account_password_change,
            account::account_devices,
            account::account_revoke_device,
        }
    };
}
