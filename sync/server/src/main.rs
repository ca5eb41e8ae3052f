//! `dvc-sync` command line: `serve`, `migrate`, `agency add`, `user add`, `demo-seed`, `backup`,
//! `restore`, `catalog keygen`, `catalog publish`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use dvc_protocol::auth::{CreateStaffRequest, Role};
use dvc_sync::clock::{system_now_ms, SystemClock};
use dvc_sync::config::Config;

#[derive(Parser)]
#[command(name = "dvc-sync", version, about = "DVC Đồng Hành sync server")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// `sqlite://<path>` (default, embedded) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DVC_SYNC_DB",
        default_value = "sqlite://dvc-sync-data/dvc-sync.db"
    )]
    db: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server.
    Serve {
        /// Address to listen on (port 0: any free port; the bound address is printed).
        #[arg(long, env = "DVC_SYNC_LISTEN", default_value = "127.0.0.1:8787")]
        listen: String,
        #[command(flatten)]
        db: DbArgs,
        /// Where blob bytes live: a directory, or `s3://bucket/prefix` in S3-compatible storage
        /// (endpoint, region and credentials from AWS_ENDPOINT_URL, AWS_REGION,
        /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
        #[arg(long, env = "DVC_SYNC_BLOBS", default_value = "dvc-sync-data/blobs")]
        blobs: String,
        /// Largest blob in MiB.
        #[arg(long, env = "DVC_SYNC_MAX_BLOB_MB", default_value_t = 10)]
        max_blob_mb: u64,
        /// Storage quota per account in MiB.
        #[arg(long, env = "DVC_SYNC_QUOTA_MB", default_value_t = 512)]
        quota_mb: u64,
        /// Console cookies without `Secure` (plain HTTP on a non-localhost address; development only).
        #[arg(long, env = "DVC_SYNC_INSECURE_COOKIES")]
        insecure_cookies: bool,
        #[command(flatten)]
        limits: LimitArgs,
        /// Token a Prometheus scraper sends as `Authorization: Bearer …` to read `/metrics`
        /// (at least 24 characters; prefer the environment variable). Without it `/metrics` is off.
        #[arg(long, env = "DVC_SYNC_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// The address phones use to reach this server (e.g. `https://dvc.example.vn`), shown as
        /// the console's "Mã QR máy chủ". Set it behind a proxy that rewrites `Host`; without it
        /// the page uses the address the officer's browser used.
        #[arg(long, env = "DVC_SYNC_PUBLIC_URL")]
        public_url: Option<String>,
        #[command(flatten)]
        accounts: Box<dvc_sync::notify::setup::AccountArgs>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Agencies.
    Agency {
        #[command(subcommand)]
        cmd: AgencyCmd,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Signed catalog bundles for the phones.
    Catalog {
        #[command(subcommand)]
        cmd: CatalogCmd,
    },
    /// Create the demo agency, officer, citizen and volunteer (synthetic) in an empty database.
    DemoSeed {
        #[command(flatten)]
        db: DbArgs,
        /// Seed a database that holds other data too, and give the demo logins their published
        /// passwords again. Never on a real service.
        #[arg(long)]
        force: bool,
    },
    /// Write a consistent copy of the SQLite database to a new file while the server runs (then
    /// copy the blob folder: see the README, "Backup and restore"). PostgreSQL: use `pg_dump -Fc`.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The new file (never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Put a backup made by `backup` in place of the SQLite database; the server must be
    /// stopped. PostgreSQL: use `pg_restore`.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

/// The file of a `sqlite://` URL (or bare path); PostgreSQL has its own tools.
fn sqlite_path(url: &str, pg_tool: &str) -> Result<std::path::PathBuf, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(format!(
            "this command is for SQLite; for PostgreSQL use {pg_tool} (README: \"Backup and restore\")"
        ));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    if path.is_empty() {
        return Err("empty sqlite path".into());
    }
    Ok(path.into())
}

fn print_summary(what: &str, s: &dvc_sync::db::backup::Summary) {
    println!(
        "{what}: {} dossiers, {} blobs named, events up to {}",
        s.dossiers, s.blobs, s.last_event
    );
}

#[derive(clap::Args, Clone)]
struct LimitArgs {
    /// Seconds a client may take to send a request's headers (also how long an idle connection
    /// stays open).
    #[arg(long, env = "DVC_SYNC_HEADER_TIMEOUT_S", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_s: u64,
    /// Longest pause, in seconds, inside a request body.
    #[arg(long, env = "DVC_SYNC_BODY_TIMEOUT_S", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout_s: u64,
    /// Longest time, in seconds, to answer one request (the event long-poll excepted).
    #[arg(long, env = "DVC_SYNC_REQUEST_TIMEOUT_S", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_s: u64,
    /// Connections served at once.
    #[arg(long, env = "DVC_SYNC_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Minutes between clean-up passes (0: no clean-up).
    #[arg(long, env = "DVC_SYNC_CLEANUP_INTERVAL_MIN", default_value_t = 60)]
    cleanup_interval_min: u64,
    /// Hours an upload may stay without new bytes before it is removed.
    #[arg(long, env = "DVC_SYNC_KEEP_UPLOADS_HOURS", default_value_t = 48, value_parser = clap::value_parser!(u64).range(1..=87_600))]
    keep_uploads_hours: u64,
    /// Days attachment files are kept after their dossier is finished (0: keep forever).
    #[arg(long, env = "DVC_SYNC_KEEP_FINISHED_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(0..=36_500))]
    keep_finished_days: u64,
}

impl LimitArgs {
    fn apply(&self, cfg: &mut Config) {
        use std::time::Duration;
        const HOUR_MS: i64 = 3600 * 1000;
        let ms = |hours: u64| i64::try_from(hours).unwrap_or(i64::MAX / HOUR_MS) * HOUR_MS;
        cfg.http.header_read_timeout = Duration::from_secs(self.header_timeout_s);
        cfg.http.body_idle_timeout = Duration::from_secs(self.body_timeout_s);
        cfg.http.request_timeout = Duration::from_secs(self.request_timeout_s);
        cfg.http.max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        cfg.retention.interval = Duration::from_secs(self.cleanup_interval_min.saturating_mul(60));
        cfg.retention.open_upload_ms = ms(self.keep_uploads_hours);
        cfg.retention.finished_attachments_ms =
            (self.keep_finished_days > 0).then(|| ms(self.keep_finished_days.saturating_mul(24)));
    }
}

#[derive(Subcommand)]
enum AgencyCmd {
    /// Add or rename an agency.
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// Agency code, e.g. 000.30.27.H23.
        #[arg(long)]
        code: String,
        /// Name shown in the console.
        #[arg(long)]
        name: String,
        /// Bank (NAPAS BIN, 6 digits) of the account fees are paid into; prefills the console's
        /// fee form. Give all three bank options or none.
        #[arg(long, requires_all = ["account_number", "account_name"])]
        bank_bin: Option<String>,
        /// Account number fees are paid into.
        #[arg(long, requires_all = ["bank_bin", "account_name"])]
        account_number: Option<String>,
        /// Account holder's name as the bank shows it (e.g. `CONG AN XA X`).
        #[arg(long, requires_all = ["bank_bin", "account_number"])]
        account_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum CatalogCmd {
    /// Make a catalog signing key: writes the private key to FILE (created, never overwritten,
    /// owner-only) and prints the public key the app must trust.
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Sign a catalog folder and publish it as the newest bundle (refused unless its version is
    /// greater than every published one). Check the folder first with `dvc catalog bundle`, the
    /// phone's own parser; this checks file names, JSON and ids only.
    Publish {
        #[command(flatten)]
        db: DbArgs,
        /// Where blob bytes live (as for `serve`).
        #[arg(long, env = "DVC_SYNC_BLOBS", default_value = "dvc-sync-data/blobs")]
        blobs: String,
        /// The catalog folder (like `assets/catalog`).
        #[arg(long)]
        dir: std::path::PathBuf,
        /// The guides folder (default: `guides` next to `--dir`, when there is one).
        #[arg(long)]
        guides: Option<std::path::PathBuf>,
        /// The private key file made by `catalog keygen`.
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
        /// Publish under this version instead of the one in `manifest.json`.
        #[arg(long)]
        version: Option<String>,
        /// Also write the signed bundle to this file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add an officer or admin; the password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// officer or admin.
        #[arg(long)]
        role: String,
        /// User name.
        #[arg(long)]
        login: String,
        /// The officer's agency code.
        #[arg(long)]
        agency: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DVC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Serve {
            listen,
            db,
            blobs,
            max_blob_mb,
            quota_mb,
            insecure_cookies,
            limits,
            metrics_token,
            public_url,
            accounts,
        } => {
            let blobs = dvc_sync::blobstore::BlobLocation::parse(&blobs)?;
            let public_url = match public_url.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(u) => Some(dvc_sync::config::check_public_url(u)?),
            };
            let metrics_token = match metrics_token.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(t) => Some(dvc_sync::config::MetricsToken::new(t).ok_or_else(|| {
                    format!(
                        "the metrics token must be at least {} printable characters without spaces",
                        dvc_sync::config::MetricsToken::MIN_LEN
                    )
                })?),
            };
            let mut cfg = Config {
                max_blob_bytes: max_blob_mb * 1024 * 1024,
                account_quota_bytes: quota_mb * 1024 * 1024,
                secure_cookies: !insecure_cookies,
                metrics_token,
                public_url,
                ..Config::default()
            };
            limits.apply(&mut cfg);
            let setup = accounts.build(&mut cfg.auth)?;
            for note in &setup.notes {
                tracing::warn!("{note}");
                eprintln!("dvc-sync: {note}");
            }
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            // One `serve` per SQLite file (held until this process ends); PostgreSQL takes many.
            let _claim = match database.backend() {
                "sqlite" => Some(
                    dvc_sync::db::sqlite::claim_for_server(std::path::Path::new(
                        db.db.strip_prefix("sqlite://").unwrap_or(&db.db),
                    ))
                    .map_err(|e| e.to_string())?,
                ),
                _ => None,
            };
            let store = blobs
                .open()
                .await
                .map_err(|e| format!("blob storage {blobs}: {e}"))?;
            tracing::info!(blobs = %blobs, "blob storage opened");
            let state = dvc_sync::server::build_state_on(
                database,
                store,
                cfg,
                Arc::new(SystemClock),
                setup.notifiers,
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(outbox) = setup.outbox {
                dvc_sync::notify::outbox::spawn(&state, outbox);
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| format!("bind {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, backend = state.db.backend(), "dvc-sync listening");
            println!("dvc-sync listening on http://{addr}");
            dvc_sync::server::serve(listener, state, shutdown_signal())
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!("stopped");
            Ok(())
        }
        Cmd::Backup { db, out } => {
            let path = sqlite_path(&db.db, "pg_dump -Fc")?;
            let summary = tokio::task::spawn_blocking(move || {
                dvc_sync::db::backup::backup(&path, &out)
                    .map(|s| (s, out))
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
            print_summary(
                &format!("backup written to {}", summary.1.display()),
                &summary.0,
            );
            Ok(())
        }
        Cmd::Restore { db, from } => {
            let path = sqlite_path(&db.db, "pg_restore")?;
            let summary = tokio::task::spawn_blocking(move || {
                dvc_sync::db::backup::restore(&from, &path)
                    .map(|s| (s, path))
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
            print_summary(
                &format!("restored into {}", summary.1.display()),
                &summary.0,
            );
            Ok(())
        }
        Cmd::Migrate { db } => {
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            database.migrate().await.map_err(|e| e.to_string())?;
            println!("migrations applied ({})", database.backend());
            Ok(())
        }
        Cmd::Agency {
            cmd:
                AgencyCmd::Add {
                    db,
                    code,
                    name,
                    bank_bin,
                    account_number,
                    account_name,
                },
        } => {
            if !dvc_sync::domain::valid_agency_code(&code) {
                return Err("invalid agency code: 1–40 of A-Z a-z 0-9 .".into());
            }
            let bank = match (bank_bin, account_number, account_name) {
                (Some(bank_bin), Some(account_number), Some(account_name)) => {
                    let b = dvc_protocol::events::BankAccount {
                        bank_bin: bank_bin.trim().to_owned(),
                        account_number: account_number.trim().to_owned(),
                        account_name: account_name.trim().to_owned(),
                    };
                    dvc_sync::domain::check_bank_account(&b).map_err(|f| format!("invalid {f}"))?;
                    Some(b)
                }
                _ => None,
            };
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            database.migrate().await.map_err(|e| e.to_string())?;
            database
                .upsert_agency(&code, name.trim(), system_now_ms())
                .await
                .map_err(|e| e.to_string())?;
            if let Some(b) = &bank {
                database
                    .set_agency_bank(&code, b)
                    .await
                    .map_err(|e| e.to_string())?;
                // The only way to change where an agency's fees go (the console refuses any other
                // account), so it is logged in full: an agency's account is not personal data.
                tracing::warn!(agency = %code, bank_bin = %b.bank_bin, account_number = %b.account_number, "agency fee account set");
            }
            println!("agency {code} saved");
            Ok(())
        }
        Cmd::User {
            cmd:
                UserCmd::Add {
                    db,
                    role,
                    login,
                    agency,
                    name,
                },
        } => {
            let role = Role::parse(&role)
                .filter(|r| matches!(r, Role::Officer | Role::Admin))
                .ok_or("role must be officer or admin")?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .map_err(|e| format!("read password: {e}"))?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            let state = dvc_sync::server::build_state_with(
                database,
                &std::env::temp_dir().join("dvc-sync-cli-blobs"),
                Config::default(),
                Arc::new(SystemClock),
                dvc_sync::notify::Notifiers::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let req = CreateStaffRequest {
                login,
                password,
                role,
                agency_code: agency,
                display_name: name,
            };
            let a = dvc_sync::api::admin::create_staff(&state, req)
                .await
                .map_err(|e| {
                    format!(
                        "{} {}: {}{}",
                        e.body.code,
                        e.body.error,
                        e.body.message,
                        e.body.field.map(|f| format!(" ({f})")).unwrap_or_default()
                    )
                })?;
            println!("{} {} created (id {})", a.role.as_str(), a.login, a.id);
            Ok(())
        }
        Cmd::Catalog {
            cmd: CatalogCmd::Keygen { out },
        } => {
            use dvc_protocol::catalog::bundle as signed;
            let key = signed::generate_signing_key();
            write_new_private(&out, signed::signing_key_text(&key).as_bytes())
                .map_err(|e| format!("key file {}: {e}", out.display()))?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            eprintln!(
                "private key written to {}: keep it offline; the app trusts the public key above",
                out.display()
            );
            Ok(())
        }
        Cmd::Catalog {
            cmd:
                CatalogCmd::Publish {
                    db,
                    blobs,
                    dir,
                    guides,
                    key,
                    version,
                    out,
                },
        } => {
            use dvc_protocol::catalog::bundle as signed;
            let key_text = zeroize::Zeroizing::new(
                std::fs::read_to_string(&key)
                    .map_err(|e| format!("key file {}: {e}", key.display()))?,
            );
            let signing = signed::signing_key_from_text(&key_text)
                .map_err(|e| format!("key file {}: {e}", key.display()))?;
            let guides = guides.or_else(|| {
                let g = dir.join("..").join("guides");
                g.join("index.json").is_file().then_some(g)
            });
            let mut files = signed::read_dirs(&dir, guides.as_deref())
                .map_err(|e| format!("catalog folder {}: {e}", dir.display()))?;
            if let Some(v) = &version {
                relabel(&mut files, v)?;
            }
            let now = system_now_ms();
            let bytes = signed::pack(&files, &signing, &dvc_sync::domain::rfc3339(now))
                .map_err(|e| e.to_string())?;
            if let Some(path) = &out {
                std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            database.migrate().await.map_err(|e| e.to_string())?;
            let store = dvc_sync::blobstore::BlobLocation::parse(&blobs)?
                .open()
                .await
                .map_err(|e| format!("blob storage {blobs}: {e}"))?;
            let row = dvc_sync::api::catalog::publish_bundle(
                &database,
                &store,
                bytes,
                &signing.verifying_key(),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "catalog {} published: {} bytes, sha256 {}",
                row.version, row.size, row.sha256
            );
            Ok(())
        }
        Cmd::DemoSeed { db, force } => {
            use dvc_sync::seed::SeedPlan;
            let database = dvc_sync::db::open(&db.db)
                .await
                .map_err(|e| e.to_string())?;
            let done = dvc_sync::seed::demo_seed_guarded(&database, system_now_ms(), force)
                .await
                .map_err(|e| e.to_string())?;
            match done {
                SeedPlan::Refuse => {
                    return Err(
                        "this database already holds accounts or agencies: demo logins with \
                         published passwords do not belong in it (use --force only on a \
                         throwaway database)"
                            .into(),
                    )
                }
                SeedPlan::AlreadySeeded => println!("demo data already there; nothing changed"),
                SeedPlan::Seed => {}
            }
            println!(
                "demo agency {} — {}",
                dvc_sync::seed::DEMO_AGENCY,
                dvc_sync::seed::DEMO_AGENCY_NAME
            );
            for (role, login, password) in dvc_sync::seed::demo_accounts() {
                println!(
                    "  {:<9} login {:<12} password {}",
                    role.as_str(),
                    login,
                    password
                );
            }
            Ok(())
        }
    }
}

/// Sets `manifest.json`'s catalog version.
fn relabel(
    files: &mut std::collections::BTreeMap<String, String>,
    version: &str,
) -> Result<(), String> {
    if !dvc_protocol::catalog::is_version(version) {
        return Err(format!(
            "--version {version:?}: expected dotted digits like 2026.12.20.1"
        ));
    }
    let text = files
        .get("manifest.json")
        .ok_or("the catalog folder has no manifest.json")?;
    let mut m: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("manifest.json: {e}"))?;
    m["catalog_version"] = serde_json::Value::String(version.to_owned());
    let text = serde_json::to_string_pretty(&m).map_err(|e| format!("manifest.json: {e}"))?;
    files.insert("manifest.json".into(), text);
    Ok(())
}

/// Creates `path` (never overwriting) readable by its owner only, and writes `bytes`.
fn write_new_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dvc-sync: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dvc-sync: {e}");
            ExitCode::FAILURE
        }
    }
}
