//! `dvc-sync demo-seed`: a demo agency, officer, citizen and volunteer (synthetic data only) so the
//! README's run command has someone to log in as. The command seeds only an empty database (or
//! finds its own seed there and changes nothing); anything else needs `--force`, because seeding
//! gives the demo logins their published passwords.

use dvc_protocol::auth::Role;

use crate::db::{Account, CampaignRow, Db, DbResult, TeamRow};

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

/// Demo team name: the demo volunteer leads it, it reports to the demo agency.
pub const DEMO_TEAM: &str = "Tổ công nghệ số cộng đồng (thử nghiệm)";

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

/// What `demo-seed` will do, from what the database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedPlan {
    /// Create the demo agency and accounts (and reset the demo passwords, if forced).
    Seed,
    /// The demo accounts are all there: change nothing.
    AlreadySeeded,
    /// Other data is there: refuse (demo logins with published passwords do not belong in it).
    Refuse,
}

/// Decides [`SeedPlan`]: `accounts` in the database, of which `demo_accounts` are the demo logins,
/// and `other_agencies` agencies besides the demo one.
pub fn plan(accounts: i64, demo_accounts: usize, other_agencies: usize, force: bool) -> SeedPlan {
    if force || (accounts == 0 && other_agencies == 0) {
        SeedPlan::Seed
    } else if demo_accounts == DEMO_LOGINS.len() {
        SeedPlan::AlreadySeeded
    } else {
        SeedPlan::Refuse
    }
}

const DEMO_LOGINS: [&str; 3] = [DEMO_OFFICER.0, DEMO_CITIZEN.0, DEMO_VOLUNTEER.0];

/// The demo accounts as `(role, login, password)`.
pub fn demo_accounts() -> Vec<(Role, &'static str, &'static str)> {
    vec![
        (Role::Officer, DEMO_OFFICER.0, DEMO_OFFICER.1),
        (Role::Citizen, DEMO_CITIZEN.0, DEMO_CITIZEN.1),
        (Role::Volunteer, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1),
    ]
}

/// The `demo-seed` command: migrates, looks at what is there, and seeds only as [`plan`] allows.
pub async fn demo_seed_guarded(db: &Db, now: i64, force: bool) -> DbResult<SeedPlan> {
    db.migrate().await?;
    let accounts = db.count_accounts().await?;
    let mut demo = 0;
    for login in DEMO_LOGINS {
        if db.account_by_login(login).await?.is_some() {
            demo += 1;
        }
    }
    let other_agencies = db
        .agencies()
        .await?
        .iter()
        .filter(|(code, _)| code != DEMO_AGENCY)
        .count();
    let decision = plan(accounts, demo, other_agencies, force);
    if decision == SeedPlan::Seed {
        demo_seed(db, now).await?;
    }
    Ok(decision)
}

/// Seeds the demo data unconditionally (test harnesses on a fresh database); existing demo logins
/// get their published passwords back.
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
    seed_team(db, now).await?;
    Ok(Seeded {
        accounts: demo_accounts(),
    })
}

/// The demo team (the demo volunteer leads it) and a campaign over the month of `now` in Vietnam,
/// unless the volunteer is in a team already.
async fn seed_team(db: &Db, now: i64) -> DbResult<()> {
    let Some(vol) = db.account_by_login(DEMO_VOLUNTEER.0).await? else {
        return Ok(());
    };
    if db.team_of(&vol.id).await?.is_some() {
        return Ok(());
    }
    let team = TeamRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: DEMO_TEAM.to_owned(),
        agency_code: DEMO_AGENCY.to_owned(),
        leader_id: Some(vol.id),
    };
    db.create_team(&team, now).await?;
    let today = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .map(dvc_protocol::rules::vietnam_date)
        .unwrap_or_else(|_| dvc_protocol::rules::vietnam_today());
    let first = today.replace_day(1).unwrap_or(today);
    let last = (1..=31)
        .rev()
        .find_map(|d| today.replace_day(d).ok())
        .unwrap_or(today);
    db.create_campaign(
        &CampaignRow {
            id: uuid::Uuid::now_v7().to_string(),
            team_id: team.id,
            name: format!(
                "Đi từng ngõ, gõ từng nhà — tháng {}/{}",
                u8::from(today.month()),
                today.year()
            ),
            starts_on: first.to_string(),
            ends_on: last.to_string(),
            targets: r#"{"households":40,"dossiers":20,"accounts":30}"#.to_owned(),
        },
        now,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_only_an_empty_database_unless_forced() {
        assert_eq!(plan(0, 0, 0, false), SeedPlan::Seed);
        // its own seed: nothing to do, passwords untouched (also with accounts registered since)
        assert_eq!(plan(3, 3, 0, false), SeedPlan::AlreadySeeded);
        assert_eq!(plan(7, 3, 0, false), SeedPlan::AlreadySeeded);
        // someone else's data
        assert_eq!(plan(1, 0, 0, false), SeedPlan::Refuse);
        assert_eq!(plan(0, 0, 1, false), SeedPlan::Refuse);
        assert_eq!(plan(4, 2, 0, false), SeedPlan::Refuse);
        assert_eq!(plan(1, 1, 0, false), SeedPlan::Refuse);
        // forced: always
        assert_eq!(plan(9, 0, 2, true), SeedPlan::Seed);
        assert_eq!(plan(3, 3, 0, true), SeedPlan::Seed);
    }
}
