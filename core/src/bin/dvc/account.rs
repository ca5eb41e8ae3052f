//! `dvc account register|verify|resend|password-reset|password-change|devices|logout` — the
//! account's life from the command line. Every input is checked on this device with the server's
//! own rules before any request (exit 2); passwords only ever come from standard input.

use std::io::Read;

use clap::Subcommand;
use serde::Serialize;
use zeroize::Zeroizing;

use dvc_core::sync::account::Registration;
use dvc_core::sync::SyncError;

use crate::sync::{runtime, sync_err};
use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start a registration: a 6-digit code is sent to the phone (password on standard input).
    Register {
        /// Server address: https://…, or http:// to this machine only.
        #[arg(long)]
        server: String,
        /// Mobile number (0xxxxxxxxx or +84xxxxxxxxx).
        #[arg(long)]
        phone: String,
        /// Full name as on the ID card.
        #[arg(long)]
        name: String,
        /// The 12-digit personal ID number.
        #[arg(long)]
        id_number: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        dob: String,
        /// A volunteer account (helps others submit, with their consent).
        #[arg(long)]
        volunteer: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Confirm a registration with the code from the SMS.
    Verify {
        #[arg(long)]
        server: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        code: String,
    },
    /// A new code for a pending registration (or, with --purpose password-reset, a pending
    /// password reset), once the countdown of the previous code has run out.
    Resend {
        #[arg(long)]
        server: String,
        #[arg(long)]
        phone: String,
        /// What the code is for.
        #[arg(long, value_enum, default_value_t = Purpose::Register)]
        purpose: Purpose,
    },
    /// Forgotten password: without --code a code is sent to the phone; with --code and
    /// --password-stdin the new password is set (every device is signed out).
    PasswordReset {
        #[arg(long)]
        server: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change the password: the current one and the new one on standard input, one a line.
    PasswordChange {
        #[arg(long)]
        password_stdin: bool,
    },
    /// The devices signed in to this account; --revoke ID signs one out.
    Devices {
        #[arg(long, value_name = "ID")]
        revoke: Option<String>,
    },
    /// Sign out: the token is revoked on the server (at the next connection when offline).
    Logout,
}

/// What a resent code confirms.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Purpose {
    /// A new account (`dvc account verify`).
    Register,
    /// A forgotten password (`dvc account password-reset --code`).
    PasswordReset,
}

impl From<Purpose> for dvc_protocol::auth::OtpPurpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Register => dvc_protocol::auth::OtpPurpose::Register,
            Purpose::PasswordReset => dvc_protocol::auth::OtpPurpose::PasswordReset,
        }
    }
}

/// Up to `n` lines of standard input (at most 8 KiB), as secrets.
pub(crate) fn stdin_lines(n: usize) -> Result<Vec<Zeroizing<String>>, CliError> {
    let mut input = Zeroizing::new(String::new());
    std::io::stdin()
        .take(8192)
        .read_to_string(&mut input)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    Ok(input
        .lines()
        .take(n)
        .map(|l| Zeroizing::new(l.to_string()))
        .collect())
}

fn need_stdin(flag: bool) -> Result<(), CliError> {
    if flag {
        Ok(())
    } else {
        Err(CliError::BadInput(
            "hãy dùng --password-stdin và nhập mật khẩu qua đầu vào chuẩn \
             (pass --password-stdin and give the password on standard input)"
                .into(),
        ))
    }
}

/// A refusal of the server in plain words (Vietnamese, then English).
fn account_err(e: SyncError) -> CliError {
    if let SyncError::Refused { code, .. } = &e {
        let text = match code.as_str() {
            "400.5" => Some("Mã xác nhận sai hoặc đã hết hạn (the code is wrong or has expired)"),
            "401.2" => {
                Some("Số điện thoại hoặc mật khẩu không đúng (wrong phone number or password)")
            }
            "403.5" => Some("Mật khẩu hiện tại không đúng (the current password is wrong)"),
            "403.6" => Some(
                "Máy chủ chưa gửi được tin nhắn nên chưa nhận đăng ký \
                 (the server has no message sender: registration is off)",
            ),
            "409.4" => Some(
                "Số điện thoại này đã có tài khoản; hãy đăng nhập hoặc dùng \"Quên mật khẩu\" \
                 (this phone number already has an account)",
            ),
            "429.1" => Some(
                "Bạn thử quá nhiều lần; hãy đợi rồi thử lại (too many attempts: wait and retry)",
            ),
            _ => None,
        };
        if let Some(t) = text {
            return CliError::BadInput(format!("{t} [{code}]"));
        }
    }
    sync_err(e)
}

#[derive(Serialize)]
struct Done {
    ok: bool,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    if let Cmd::Logout = cmd {
        return crate::sync::logout(ctx);
    }
    let core = ctx.open()?;
    let rt = runtime()?;
    match cmd {
        Cmd::Register {
            server,
            phone,
            name,
            id_number,
            dob,
            volunteer,
            password_stdin,
        } => {
            need_stdin(password_stdin)?;
            let password = stdin_lines(1)?.into_iter().next().unwrap_or_default();
            let reg = Registration {
                phone,
                full_name: name,
                id_number,
                birth_date: dob,
                password,
                volunteer,
            };
            // Checked before anything is read from the network.
            reg.check().map_err(account_err)?;
            let sent = rt
                .block_on(core.account_register(&server, &reg))
                .map_err(account_err)?;
            out::print(ctx, &sent, |s| {
                format!(
                    "Đã gửi mã xác nhận {} chữ số; mã hết hạn sau {} phút, gửi lại được sau {} giây \
                     (a {}-digit code was sent: valid {} min, resend after {} s)",
                    s.code_length,
                    s.expires_in_s / 60,
                    s.resend_after_s,
                    s.code_length,
                    s.expires_in_s / 60,
                    s.resend_after_s
                )
            })
        }
        Cmd::Verify {
            server,
            phone,
            code,
        } => {
            let info = rt
                .block_on(core.account_verify(&server, &phone, &code))
                .map_err(account_err)?;
            #[derive(Serialize)]
            struct Verified {
                account_id: String,
                role: String,
            }
            out::print(
                ctx,
                &Verified {
                    account_id: info.account_id,
                    role: info.role.as_str().to_string(),
                },
                |_| {
                    "Đã tạo tài khoản; hãy đăng nhập bằng `dvc login` \
                     (account created: sign in with `dvc login`)"
                        .to_string()
                },
            )
        }
        Cmd::Resend {
            server,
            phone,
            purpose,
        } => {
            let sent = rt
                .block_on(core.account_resend(&server, &phone, purpose.into()))
                .map_err(account_err)?;
            out::print(ctx, &sent, |s| {
                format!(
                    "Nếu còn đăng ký hoặc yêu cầu đang chờ, một mã mới đã được gửi; mã cũ hết hiệu \
                     lực (gửi lại sau {} giây) (if a request is pending, a new code was sent and the \
                     old one no longer works; resend after {} s)",
                    s.resend_after_s, s.resend_after_s
                )
            })
        }
        Cmd::PasswordReset {
            server,
            phone,
            code: None,
            password_stdin: _,
        } => {
            let sent = rt
                .block_on(core.account_password_reset(&server, &phone))
                .map_err(account_err)?;
            out::print(ctx, &sent, |s| {
                format!(
                    "Nếu số này có tài khoản, mã xác nhận đã được gửi (gửi lại sau {} giây) \
                     (if the number has an account, a code was sent; resend after {} s)",
                    s.resend_after_s, s.resend_after_s
                )
            })
        }
        Cmd::PasswordReset {
            server,
            phone,
            code: Some(code),
            password_stdin,
        } => {
            need_stdin(password_stdin)?;
            let password = stdin_lines(1)?.into_iter().next().unwrap_or_default();
            rt.block_on(core.account_password_reset_confirm(&server, &phone, &code, &password))
                .map_err(account_err)?;
            out::print(ctx, &Done { ok: true }, |_| {
                "Đã đặt mật khẩu mới; mọi thiết bị đã được đăng xuất \
                 (new password set: every device was signed out)"
                    .to_string()
            })
        }
        Cmd::PasswordChange { password_stdin } => {
            need_stdin(password_stdin)?;
            let lines = stdin_lines(2)?;
            let (Some(old), Some(new)) = (lines.first(), lines.get(1)) else {
                return Err(CliError::BadInput(
                    "cần hai dòng: mật khẩu hiện tại rồi mật khẩu mới \
                     (two lines: the current password, then the new one)"
                        .into(),
                ));
            };
            rt.block_on(core.account_password_change(old, new))
                .map_err(account_err)?;
            out::print(ctx, &Done { ok: true }, |_| {
                "Đã đổi mật khẩu; các thiết bị khác đã được đăng xuất \
                 (password changed: other devices were signed out)"
                    .to_string()
            })
        }
        Cmd::Devices { revoke: Some(id) } => {
            rt.block_on(core.account_revoke_device(&id))
                .map_err(account_err)?;
            out::print(ctx, &Done { ok: true }, |_| {
                "Đã đăng xuất thiết bị đó (that device was signed out)".to_string()
            })
        }
        Cmd::Devices { revoke: None } => {
            let list = rt.block_on(core.account_devices()).map_err(account_err)?;
            out::print(ctx, &list, |l| {
                l.tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}\t{}\t{}\t{}",
                            t.token_id,
                            t.device_name.as_deref().unwrap_or("-"),
                            t.last_seen_at.as_deref().unwrap_or(&t.created_at),
                            if t.current {
                                "(máy này / this device)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Cmd::Logout => crate::sync::logout(ctx),
    }
}
