//! `dvc household add|list|show|member|remove-member|delete`

use clap::Subcommand;
use dvc_core::people::{HouseholdDetail, Relation};

use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create a household.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: Option<String>,
    },
    List,
    Show {
        id: String,
    },
    /// Add a person to a household (or change their relation):
    /// head, spouse, child, parent, grandchild, sibling, other.
    Member {
        household_id: String,
        person_id: String,
        #[arg(long, default_value = "other")]
        relation: String,
    },
    RemoveMember {
        household_id: String,
        person_id: String,
    },
    /// Delete a household (the people stay).
    Delete {
        id: String,
    },
}

fn detail(d: &HouseholdDetail) -> String {
    let mut s = format!("{}  {}", d.household.id, d.household.name);
    for m in &d.members {
        s.push_str(&format!(
            "\n  {}  {}  {}",
            m.person_id,
            m.relation.as_str(),
            m.full_name
        ));
    }
    s
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        Cmd::Add { name, address } => {
            let h = core.add_household(&name, address.as_deref())?;
            out::print(ctx, &h, |h| format!("{}  {}", h.id, h.name))
        }
        Cmd::List => {
            let all = core.list_households()?;
            out::print(ctx, &all, |all| {
                all.iter()
                    .map(|h| format!("{}  {}  ({})", h.id, h.name, h.member_count))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Cmd::Show { id } => out::print(ctx, &core.household(&id)?, detail),
        Cmd::Member {
            household_id,
            person_id,
            relation,
        } => {
            let rel = Relation::parse(&relation)?;
            let d = core.set_household_member(&household_id, &person_id, rel)?;
            out::print(ctx, &d, detail)
        }
        Cmd::RemoveMember {
            household_id,
            person_id,
        } => {
            let d = core.remove_household_member(&household_id, &person_id)?;
            out::print(ctx, &d, detail)
        }
        Cmd::Delete { id } => {
            core.delete_household(&id)?;
            out::print(ctx, &serde_json::json!({ "deleted": id }), |_| {
                "deleted".into()
            })
        }
    }
}
