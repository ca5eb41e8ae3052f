//! Signing in to a sync server. The token goes to the keystore (`Secrets`), never to SQLite or a
//! log line; SQLite keeps only the server URL, the account id and its role.

use serde::Serialize;
use zeroize::Zeroizing;

use dvc_protocol::auth::{LoginRequest, OtpSent, Role};

use super::client::{check_server_url, Api, Timeouts};
use super::decide::Failure;
use super::{db, SyncError};
use crate::Core;

/// Name of the token in the keystore.
pub const TOKEN_SECRET: &str = "sync-token";
/// Tokens signed out while the server was out of reach, still to revoke there (a JSON list of
/// `{server, token}` in the keystore; never in SQLite or a log line).
pub const REVOKE_SECRET: &str = "sync-revoke-pending";

/// Guards the read-modify-write of [`REVOKE_SECRET`].
static REVOKES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A token to revoke on its server.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingRevoke {
    server: String,
    token: String,
}

fn pending_revokes(core: &Core) -> Result<Vec<PendingRevoke>, SyncError> {
    Ok(match core.secrets().get(REVOKE_SECRET)? {
        // An unreadable list is dropped rather than blocking every sign-in (the tokens in it
        // expire on the server anyway).
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => Vec::new(),
    })
}

fn store_revokes(core: &Core, list: &[PendingRevoke]) -> Result<(), SyncError> {
    if list.is_empty() {
        core.secrets().delete(REVOKE_SECRET)?;
        return Ok(());
    }
    let json = Zeroizing::new(serde_json::to_vec(list).map_err(|e| {
        SyncError::Core(crate::error::CoreError::invalid(
            "revoke",
            format!("encode: {e}"),
            "errors.internal",
        ))
    })?);
    core.secrets().set(REVOKE_SECRET, &json)?;
    Ok(())
}

/// Changes the pending-revoke list under its lock.
fn edit_revokes(core: &Core, f: impl FnOnce(&mut Vec<PendingRevoke>)) -> Result<(), SyncError> {
    let _guard = REVOKES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut list = pending_revokes(core)?;
    f(&mut list);
    store_revokes(core, &list)
}

/// A label for an account that is safe to show on the dossier list: its display name, or the
/// phone number masked to its first three and last three digits (never an ID number).
pub fn account_label(login: &str, display_name: Option<&str>) -> String {
    if let Some(name) = display_name.map(str::trim).filter(|n| !n.is_empty()) {
        return name.chars().take(60).collect();
    }
    let chars: Vec<char> = login.trim().chars().collect();
    if chars.len() >= 8 && chars.iter().all(char::is_ascii_digit) {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 3..].iter().collect();
        format!("{head}****{tail}")
    } else {
        let head: String = chars.iter().take(2).collect();
        format!("{head}****")
    }
}

/// What `sync_logout` did with the token on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Revoke {
    /// The server revoked it (or no longer knew it).
    Revoked,
    /// The server was out of reach: revoked at the next connection.
    Pending,
    /// There was no token.
    NotSignedIn,
}

/// What a sign-in returns (no token, no phone number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedIn {
    pub server: String,
    pub account_id: String,
    pub role: String,
    pub expires_at: String,
}

/// A failed call of an account route as an error the user can act on.
pub(super) fn refused(f: Failure) -> SyncError {
    match f {
        Failure::Net(n) => SyncError::Network(format!("{n:?}").to_lowercase()),
        Failure::Http { status, body, .. } => match body {
            Some(b) => SyncError::Refused {
                code: b.code,
                name: b.error,
            },
            None if status >= 500 => SyncError::Network(format!("server error {status}")),
            None => SyncError::Refused {
                code: status.to_string(),
                name: "http_error".into(),
            },
        },
    }
}

/// The token in use and the server it belongs to.
fn token_of(core: &Core) -> Result<Option<(String, Zeroizing<String>)>, SyncError> {
    let Some(token) = token(core)? else {
        return Ok(None);
    };
    match db::get(core.store(), db::KEY_SERVER)? {
        Some(server) => Ok(Some((server, token))),
        None => Ok(None),
    }
}

/// The stored token, if signed in.
pub fn token(core: &Core) -> Result<Option<Zeroizing<String>>, SyncError> {
    match core.secrets().get(TOKEN_SECRET)? {
        None => Ok(None),
        Some(bytes) => match std::str::from_utf8(&bytes) {
            Ok(s) if !s.is_empty() => Ok(Some(Zeroizing::new(s.to_string()))),
            _ => Ok(None),
        },
    }
}

impl Core {
    /// Signs in with a phone number (or staff login) and password; keeps the token in the keystore.
    pub async fn sync_login(
        &self,
        server: &str,
        login: &str,
        password: &str,
        device_name: Option<&str>,
    ) -> Result<SignedIn, SyncError> {
        let server = check_server_url(server)?;
        let api = Api::new(&server, None, Timeouts::default())?;
        let res = api
            .login(&LoginRequest {
                login: login.trim().to_string(),
                password: password.to_string(),
                device_name: device_name.map(str::to_string),
            })
            .await
            .map_err(refused)?;
        let token = Zeroizing::new(res.token);
        // A token still in use is replaced: revoke it (now, or at the next connection).
        let previous = token_of(self)?;
        self.secrets().set(TOKEN_SECRET, token.as_bytes())?;
        let label = account_label(&res.account.login, res.account.display_name.as_deref());
        db::signed_in(
            self.store(),
            &server,
            &res.account.account_id,
            res.account.role.as_str(),
            &label,
        )?;
        if let Some((old_server, old)) = previous {
            edit_revokes(self, |l| {
                l.push(PendingRevoke {
                    server: old_server,
                    token: old.to_string(),
                })
            })?;
        }
        self.sync_flush_revokes(Timeouts::default()).await;
        tracing::info!(account = %res.account.account_id, role = res.account.role.as_str(), "signed in to sync server");
        Ok(SignedIn {
            server,
            account_id: res.account.account_id,
            role: res.account.role.as_str().to_string(),
            expires_at: res.expires_at,
        })
    }

    /// Signs out: the token is out of use at once (kept only as a pending revoke in the
    /// keystore), then revoked on the server (`POST /v1/auth/logout`); offline, the revoke goes
    /// at the next connection ([`Core::sync_flush_revokes`]). No account is current afterwards;
    /// dossiers queued under this account wait for it.
    pub async fn sync_logout(&self, timeouts: Timeouts) -> Result<Revoke, SyncError> {
        let Some((server, token)) = token_of(self)? else {
            self.secrets().delete(TOKEN_SECRET)?;
            db::signed_out(self.store())?;
            return Ok(Revoke::NotSignedIn);
        };
        // The pending revoke first, so a crash between the two steps loses nothing.
        edit_revokes(self, |l| {
            l.push(PendingRevoke {
                server,
                token: token.to_string(),
            })
        })?;
        self.secrets().delete(TOKEN_SECRET)?;
        db::signed_out(self.store())?;
        tracing::info!("signed out of the sync server");
        let left = self.sync_flush_revokes(timeouts).await;
        Ok(if left == 0 {
            Revoke::Revoked
        } else {
            Revoke::Pending
        })
    }

    /// Revokes the tokens of earlier sign-outs that could not reach their server. A server that
    /// answers (204, or 401: the token is dead already) settles a token; no answer keeps it for
    /// the next connection. Returns how many are still pending.
    pub async fn sync_flush_revokes(&self, timeouts: Timeouts) -> usize {
        let list = match pending_revokes(self) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the pending sign-outs");
                return 0;
            }
        };
        if list.is_empty() {
            return 0;
        }
        let mut settled: Vec<String> = Vec::new();
        for p in &list {
            let done = match Api::new(&p.server, Some(Zeroizing::new(p.token.clone())), timeouts) {
                // A server address that no longer parses can never be reached: drop it.
                Err(_) => true,
                Ok(api) => match api.logout().await {
                    Ok(()) => true,
                    Err(Failure::Http { status, .. }) if status == 401 || status == 403 => true,
                    Err(f) => {
                        tracing::info!(error = %f.describe(), "sign-out not yet sent to the server");
                        false
                    }
                },
            };
            if done {
                settled.push(p.token.clone());
            }
        }
        let mut left = list.len();
        let result = edit_revokes(self, |l| {
            l.retain(|p| !settled.contains(&p.token));
            left = l.len();
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot update the pending sign-outs");
        }
        for t in &mut settled {
            zeroize::Zeroize::zeroize(t);
        }
        if left < list.len() {
            tracing::info!(revoked = list.len() - left, "pending sign-outs revoked");
        }
        left
    }
}

/// What a registration needs (checked on the device with the server's own rules before any
/// request).
#[derive(Debug, Clone)]
pub struct Registration {
    pub phone: String,
    pub full_name: String,
    pub id_number: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub password: Zeroizing<String>,
    pub volunteer: bool,
}

pub(super) fn bad(field: &str, vi: &str, en: &str, key: &'static str) -> SyncError {
    SyncError::Core(crate::error::CoreError::invalid(
        field,
        format!("{vi} ({en})"),
        key,
    ))
}

/// The phone number in the server's form, or bad input.
pub fn check_phone(phone: &str) -> Result<String, SyncError> {
    dvc_protocol::rules::normalize_mobile(phone).ok_or_else(|| {
        bad(
            "phone",
            "Số điện thoại di động không đúng: 10 chữ số, bắt đầu bằng 0 (hoặc +84)",
            "not a Vietnamese mobile number: 10 digits starting with 0, or +84",
            "account.error.phone",
        )
    })
}

/// A password by the rule both sides apply.
pub fn check_password(field: &str, password: &str) -> Result<(), SyncError> {
    if dvc_protocol::auth::password_ok(password) {
        Ok(())
    } else {
        Err(bad(
            field,
            &format!(
                "Mật khẩu phải có từ {} đến {} ký tự",
                dvc_protocol::auth::PASSWORD_MIN_CHARS,
                dvc_protocol::auth::PASSWORD_MAX_CHARS
            ),
            &format!(
                "the password must have {} to {} characters",
                dvc_protocol::auth::PASSWORD_MIN_CHARS,
                dvc_protocol::auth::PASSWORD_MAX_CHARS
            ),
            "account.error.password",
        ))
    }
}

/// A one-time code: exactly [`dvc_protocol::auth::OTP_DIGITS`] digits.
pub fn check_code(code: &str) -> Result<String, SyncError> {
    let c = code.trim();
    if c.len() == dvc_protocol::auth::OTP_DIGITS && c.bytes().all(|b| b.is_ascii_digit()) {
        Ok(c.to_string())
    } else {
        Err(bad(
            "code",
            "Mã xác nhận gồm 6 chữ số",
            "the code is 6 digits",
            "account.error.code",
        ))
    }
}

fn identity_vi(e: dvc_protocol::rules::IdentityError) -> &'static str {
    use dvc_protocol::rules::IdentityError as E;
    match e {
        E::IdNumberFormat => "Số định danh cá nhân phải có đúng 12 chữ số",
        E::IdNumberProvince => "Số định danh bắt đầu bằng mã tỉnh không đúng",
        E::IdNumberCentury | E::IdNumberYear => "Số định danh không khớp với năm sinh",
        E::NameEmpty => "Chưa nhập họ và tên",
        E::NameChars => "Họ và tên chỉ gồm chữ cái, khoảng trắng, dấu nháy, dấu chấm, gạch nối (tối đa 100 ký tự)",
        E::BirthDateFormat => "Ngày sinh phải là ngày có thật, dạng NĂM-THÁNG-NGÀY (ví dụ 1990-05-31)",
        E::BirthDateRange => "Ngày sinh phải từ 1900-01-01 đến hôm nay",
    }
}

fn identity(e: dvc_protocol::rules::IdentityError) -> SyncError {
    bad(
        e.field(),
        identity_vi(e),
        &e.to_string(),
        match e.field() {
            "id_number" => "account.error.id_number",
            "full_name" => "account.error.full_name",
            _ => "account.error.birth_date",
        },
    )
}

impl Registration {
    /// The request, every field checked with the server's rules (phone, name, date of birth, ID
    /// number against the birth year, password).
    pub fn check(&self) -> Result<dvc_protocol::auth::RegistrationRequest, SyncError> {
        use dvc_protocol::rules;
        let phone = check_phone(&self.phone)?;
        let full_name = rules::check_full_name(&self.full_name).map_err(identity)?;
        let birth =
            rules::check_birth_date(&self.birth_date, rules::vietnam_today()).map_err(identity)?;
        let id_number =
            rules::check_id_number(&self.id_number, Some(birth.year())).map_err(identity)?;
        check_password("password", &self.password)?;
        Ok(dvc_protocol::auth::RegistrationRequest {
            phone,
            password: self.password.to_string(),
            role: if self.volunteer {
                Role::Volunteer
            } else {
                Role::Citizen
            },
            full_name,
            id_number,
            birth_date: self.birth_date.trim().to_string(),
            display_name: None,
        })
    }
}

/// The signed-in account's API (token and server from this device).
pub(super) fn signed_api(core: &Core) -> Result<Api, SyncError> {
    let Some((server, token)) = token_of(core)? else {
        return Err(SyncError::NotSignedIn);
    };
    Api::new(&server, Some(token), Timeouts::default())
}

/// A refusal of an authenticated route: a dead token says "sign in again".
pub(super) fn refused_signed(f: Failure) -> SyncError {
    match &f {
        Failure::Http { status: 401, .. } => SyncError::SessionExpired,
        _ => refused(f),
    }
}

impl Core {
    /// `dvc account register`: checks every field, then asks the server to send a code.
    pub async fn account_register(
        &self,
        server: &str,
        r: &Registration,
    ) -> Result<OtpSent, SyncError> {
        let req = r.check()?;
        let api = Api::new(server, None, Timeouts::default())?;
        api.register_account(&req).await.map_err(refused)
    }

    /// `dvc account verify`: confirms the registration with the code.
    pub async fn account_verify(
        &self,
        server: &str,
        phone: &str,
        code: &str,
    ) -> Result<dvc_protocol::auth::AccountInfo, SyncError> {
        let phone = check_phone(phone)?;
        let otp = check_code(code)?;
        let api = Api::new(server, None, Timeouts::default())?;
        api.verify_registration(&dvc_protocol::auth::RegistrationVerifyRequest { phone, otp })
            .await
            .map_err(refused)
    }

    /// A new code for a pending registration or password reset (after the countdown).
    pub async fn account_resend(
        &self,
        server: &str,
        phone: &str,
        purpose: dvc_protocol::auth::OtpPurpose,
    ) -> Result<OtpSent, SyncError> {
        let phone = check_phone(phone)?;
        let api = Api::new(server, None, Timeouts::default())?;
        api.otp_resend(&dvc_protocol::auth::OtpResendRequest { phone, purpose })
            .await
            .map_err(refused)
    }

    /// "Quên mật khẩu", step 1: a code to the phone (the same answer for unknown numbers).
    pub async fn account_password_reset(
        &self,
        server: &str,
        phone: &str,
    ) -> Result<OtpSent, SyncError> {
        let phone = check_phone(phone)?;
        let api = Api::new(server, None, Timeouts::default())?;
        api.password_reset(&dvc_protocol::auth::PasswordResetRequest { phone })
            .await
            .map_err(refused)
    }

    /// "Quên mật khẩu", step 2: the new password with the code. Every device of the account is
    /// signed out on the server.
    pub async fn account_password_reset_confirm(
        &self,
        server: &str,
        phone: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), SyncError> {
        let phone = check_phone(phone)?;
        let otp = check_code(code)?;
        check_password("new_password", new_password)?;
        let api = Api::new(server, None, Timeouts::default())?;
        api.password_reset_confirm(&dvc_protocol::auth::PasswordResetConfirm {
            phone,
            otp,
            new_password: new_password.to_string(),
        })
        .await
        .map_err(refused)
    }

    /// Changes the signed-in account's password (other devices are signed out; this one stays).
    pub async fn account_password_change(
        &self,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), SyncError> {
        if old_password.is_empty() {
            return Err(bad(
                "old_password",
                "Chưa nhập mật khẩu hiện tại",
                "the current password is empty",
                "account.error.password",
            ));
        }
        check_password("new_password", new_password)?;
        signed_api(self)?
            .change_password(&dvc_protocol::auth::PasswordChangeRequest {
                old_password: old_password.to_string(),
                new_password: new_password.to_string(),
            })
            .await
            .map_err(refused_signed)
    }

    /// "Thiết bị đã đăng nhập": the account's devices, this one marked `current`.
    pub async fn account_devices(&self) -> Result<dvc_protocol::auth::TokenList, SyncError> {
        signed_api(self)?.tokens().await.map_err(refused_signed)
    }

    /// Signs out another device of the account (its next sync asks to sign in again).
    pub async fn account_revoke_device(&self, token_id: &str) -> Result<(), SyncError> {
        let id = token_id.trim();
        if id.is_empty()
            || id.len() > 64
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(bad(
                "token_id",
                "Mã thiết bị không đúng",
                "not a device id from `dvc account devices`",
                "account.error.device",
            ));
        }
        signed_api(self)?
            .revoke_token(id)
            .await
            .map_err(refused_signed)
    }
}
