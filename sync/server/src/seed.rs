//! `dvc-sync demo-seed`: a demo agency, officer, citizen and volunteer (synthetic data only) so the
//! README's run command has someone to log in as. Safe to repeat: passwords are reset.

use dvc_protocol::auth::Role;

use crate::db::{Account, Db, DbResult};

/// Demo agency code (deliberately not a real unit's code).
pub const DEMO_AGENCY: &str = "000.00.00.H00";
/// Demo agency name.
pub const DEMO_AGENCY_NAME: &str = "Bộ phận Một cửa (cơ quan thử nghiệm)";
/// Demo bank account for fees: a bank BIN of the NAPAS list (970415) with an obviously synthetic
/// account, so a VietQR code can be scanned but pays no one.
pub const DEMO_BANK: (&str, &str, &str) = ("970415", "0000123456789", "DEMO CO QUAN");
/// Demo officer login and password.
pub const DEMO_OFFICER: (&str, &str) = ("canbo.demo", "canbo-demo-2026");
/// Demo citizen phone and password.
pub const DEMO_CITIZEN: (&str, &str) = ("0900000001", "congdan-demo-2026");
/// Demo volunteer phone and password.
pub const DEMO_VOLUNTEER: (&str, &str) = ("0900000002", "tinhnguyen-demo-2026");

/// What was seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// (role, login, password)
    pub accounts: Vec<(Role, &'static str, &'static str)>,
}

async fn ensure(
    db: &Db,
    role: Role,
    login: &str,
    password: &str,
    agency: Option<&str>,
    name: &str,
    now: i64,
) -> DbResult<()> {
    let hash = crate::auth::hash_password(password.to_owned())
        .await
        .map_err(|e| crate::db::DbError::Worker(e.body.message))?;
    match db.account_by_login(login).await? {
        Some(a) => db.set_password(&a.id, &hash).await,
        None => {
            let a = Account {
                id: uuid::Uuid::now_v7().to_string(),
                login: login.to_owned(),
                role,
                agency_code: agency.map(str::to_owned),
                display_name: Some(name.to_owned()),
                password_hash: hash,
                disabled: false,
            };
            db.create_account(&a, now).await.map(|_| ())
        }
    }
}

/// Seeds the demo data.
pub async fn demo_seed(db: &Db, now: i64) -> DbResult<Seeded> {
    db.migrate().await?;
    db.upsert_agency(DEMO_AGENCY, DEMO_AGENCY_NAME, now).await?;
    db.set_agency_bank(
        DEMO_AGENCY,
        &dvc_protocol::events::BankAccount {
            bank_bin: DEMO_BANK.0.to_owned(),
            account_number: DEMO_BANK.1.to_owned(),
            account_name: DEMO_BANK.2.to_owned(),
        },
    )
    .await?;
    ensure(
        db,
        Role::Officer,
        DEMO_OFFICER.0,
        DEMO_OFFICER.1,
        Some(DEMO_AGENCY),
        "Cán bộ Demo",
        now,
    )
    .await?;
    ensure(
        db,
        Role::Citizen,
        DEMO_CITIZEN.0,
        DEMO_CITIZEN.1,
        None,
        "Công dân Demo",
        now,
    )
    .await?;
    ensure(
        db,
        Role::Volunteer,
        DEMO_VOLUNTEER.0,
        DEMO_VOLUNTEER.1,
        None,
        "Tình nguyện viên Demo",
        now,
    )
    .await?;
    Ok(Seeded {
        accounts: vec![
            (Role::Officer, DEMO_OFFICER.0, DEMO_OFFICER.1),
            (Role::Citizen, DEMO_CITIZEN.0, DEMO_CITIZEN.1),
            (Role::Volunteer, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1),
        ],
    })
}
