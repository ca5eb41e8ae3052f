//! Signing in to a sync server. The token goes to the keystore (`Secrets`), never to SQLite or a
//! log line; SQLite keeps only the server URL, the account id and its role.

use serde::Serialize;
use zeroize::Zeroizing;

use dvc_protocol::auth::{LoginRequest, RegisterRequest, RegisterResponse, Role, VerifyRequest};

use super::client::{check_server_url, Api, Timeouts};
use super::decide::Failure;
use super::{db, SyncError};
use crate::Core;

/// Name of the token in the keystore.
pub const TOKEN_SECRET: &str = "sync-token";

/// What a sign-in returns (no token, no phone number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedIn {
    pub server: String,
    pub account_id: String,
    pub role: String,
    pub expires_at: String,
}

/// A failed call of an account route as an error the user can act on.
fn refused(f: Failure) -> SyncError {
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
        self.secrets().set(TOKEN_SECRET, token.as_bytes())?;
        db::signed_in(
            self.store(),
            &server,
            &res.account.account_id,
            res.account.role.as_str(),
        )?;
        tracing::info!(account = %res.account.account_id, role = res.account.role.as_str(), "signed in to sync server");
        Ok(SignedIn {
            server,
            account_id: res.account.account_id,
            role: res.account.role.as_str().to_string(),
            expires_at: res.expires_at,
        })
    }

    /// Starts a registration; the one-time code arrives by SMS.
    pub async fn sync_register(
        &self,
        server: &str,
        phone: &str,
        password: &str,
        volunteer: bool,
        display_name: Option<&str>,
    ) -> Result<RegisterResponse, SyncError> {
        let api = Api::new(server, None, Timeouts::default())?;
        api.register(&RegisterRequest {
            phone: phone.trim().to_string(),
            password: password.to_string(),
            role: if volunteer {
                Role::Volunteer
            } else {
                Role::Citizen
            },
            display_name: display_name.map(str::to_string),
        })
        .await
        .map_err(refused)
    }

    /// Completes a registration with the code from the SMS.
    pub async fn sync_verify(
        &self,
        server: &str,
        registration_id: &str,
        otp: &str,
    ) -> Result<(), SyncError> {
        let api = Api::new(server, None, Timeouts::default())?;
        api.verify(&VerifyRequest {
            registration_id: registration_id.to_string(),
            otp: otp.trim().to_string(),
        })
        .await
        .map_err(refused)
    }

    /// Forgets the token on this device (dossiers and their codes stay).
    pub fn sync_logout(&self) -> Result<(), SyncError> {
        self.secrets().delete(TOKEN_SECRET)?;
        Ok(())
    }
}
