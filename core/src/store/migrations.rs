//! The embedded migrations, in order. Append only: never edit a migration that has shipped.

/// One schema step.
#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "catalog",
        sql: include_str!("../../migrations/0002_catalog.sql"),
    },
    Migration {
        version: 3,
        name: "people",
        sql: include_str!("../../migrations/0003_people.sql"),
    },
    Migration {
        version: 4,
        name: "dossiers",
        sql: include_str!("../../migrations/0004_dossiers.sql"),
    },
    Migration {
        version: 5,
        name: "sync",
        sql: include_str!("../../migrations/0005_sync.sql"),
    },
    Migration {
        version: 6,
        name: "after_submission",
        sql: include_str!("../../migrations/0006_after_submission.sql"),
    },
    Migration {
        version: 7,
        name: "account_binding",
        sql: include_str!("../../migrations/0007_account_binding.sql"),
    },
    Migration {
        version: 8,
        name: "consent_restore",
        sql: include_str!("../../migrations/0008_consent_restore.sql"),
    },
    Migration {
        version: 9,
        name: "restored_papers",
        sql: include_str!("../../migrations/0009_restored_papers.sql"),
    },
    Migration {
        version: 10,
        name: "visits",
        sql: include_str!("../../migrations/0010_visits.sql"),
    },
    Migration {
        version: 11,
        name: "handoff",
        sql: include_str!("../../migrations/0011_handoff.sql"),
    },
    Migration {
        version: 12,
        name: "visit_sync",
        sql: include_str!("../../migrations/0012_visit_sync.sql"),
    },
    Migration {
        version: 13,
        name: "handoff_relay",
        sql: include_str!("../../migrations/0013_handoff_relay.sql"),
    },
    Migration {
        version: 14,
        name: "catalog_updates",
        sql: include_str!("../../migrations/0014_catalog_updates.sql"),
    },
    Migration {
        version: 15,
        name: "agency_papers",
        sql: include_str!("../../migrations/0015_agency_papers.sql"),
    },
];
