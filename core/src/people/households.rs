//! Households (hộ gia đình): a name, an address and members with their relation to the head.
//! Volunteers help whole households, so a person can be reached from their household.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{new_id, parse_id};
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::validate;
use crate::Core;

/// A member's relation to the head of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Head,
    Spouse,
    Child,
    Parent,
    Grandchild,
    Sibling,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 7] = [
        Self::Head,
        Self::Spouse,
        Self::Child,
        Self::Parent,
        Self::Grandchild,
        Self::Sibling,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Head => "head",
            Self::Spouse => "spouse",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Grandchild => "grandchild",
            Self::Sibling => "sibling",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                CoreError::invalid(
                    "relation",
                    "relation must be head, spouse, child, parent, grandchild, sibling or other",
                    "people.relation_invalid",
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Household {
    pub id: String,
    pub name: String,
    pub address: Option<String>,
    pub member_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HouseholdMember {
    pub person_id: String,
    pub full_name: String,
    pub relation: Relation,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HouseholdDetail {
    #[serde(flatten)]
    pub household: Household,
    pub members: Vec<HouseholdMember>,
}

const SELECT: &str = "SELECT h.id, h.name, h.address,
       (SELECT count(*) FROM household_members m WHERE m.household_id = h.id),
       h.created_at, h.updated_at FROM households h";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Household> {
    Ok(Household {
        id: r.get(0)?,
        name: r.get(1)?,
        address: r.get(2)?,
        member_count: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn not_found() -> CoreError {
    CoreError::NotFound {
        what: "household".into(),
    }
}

pub fn add(store: &Store, name: &str, address: Option<&str>) -> Result<Household> {
    let name = validate::text(name, "name", 120).map_err(|e| e.for_field("name"))?;
    if name.is_empty() {
        return Err(CoreError::invalid(
            "name",
            "the household name is empty",
            "people.household_name_empty",
        ));
    }
    let address = address
        .map(|a| validate::text(a, "address", 300))
        .transpose()
        .map_err(|e| e.for_field("address"))?
        .filter(|a| !a.is_empty());
    let id = new_id();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO households (id, name, address) VALUES (?1, ?2, ?3)",
            params![id, name, address],
        )
    })?;
    tracing::info!(household_id = %id, "household added");
    get(store, &id).map(|d| d.household)
}

pub fn get(store: &Store, id: &str) -> Result<HouseholdDetail> {
    let id = parse_id(id, "household")?;
    store.read(|c| {
        let household = c
            .query_row(&format!("{SELECT} WHERE h.id = ?1"), [&id], from_row)
            .optional()?
            .ok_or_else(not_found)?;
        let mut st = c.prepare(
            "SELECT p.id, p.full_name, m.relation FROM household_members m
             JOIN people p ON p.id = m.person_id WHERE m.household_id = ?1
             ORDER BY CASE m.relation WHEN 'head' THEN 0 ELSE 1 END, m.created_at",
        )?;
        let members = st
            .query_map([&id], |r| {
                let rel: String = r.get(2)?;
                Ok(HouseholdMember {
                    person_id: r.get(0)?,
                    full_name: r.get(1)?,
                    relation: Relation::parse(&rel).unwrap_or(Relation::Other),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(HouseholdDetail { household, members })
    })
}

pub fn list(store: &Store) -> Result<Vec<Household>> {
    store.read(|c| {
        let mut st = c.prepare(&format!("{SELECT} ORDER BY h.created_at"))?;
        let rows = st.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

pub(crate) fn for_person(store: &Store, person_id: &str) -> Result<Vec<Household>> {
    store.read(|c| {
        let mut st = c.prepare(&format!(
            "{SELECT} WHERE h.id IN (SELECT household_id FROM household_members WHERE person_id = ?1)
             ORDER BY h.created_at"
        ))?;
        let rows = st.query_map([person_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

/// Adds a person to a household, or changes their relation if already a member.
pub fn set_member(
    store: &Store,
    household_id: &str,
    person_id: &str,
    relation: Relation,
) -> Result<HouseholdDetail> {
    let hid = parse_id(household_id, "household")?;
    let pid = parse_id(person_id, "person")?;
    store.write(|tx| {
        let has_h: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM households WHERE id = ?1)",
            [&hid],
            |r| r.get(0),
        )?;
        if !has_h {
            return Err(not_found());
        }
        let has_p: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM people WHERE id = ?1)",
            [&pid],
            |r| r.get(0),
        )?;
        if !has_p {
            return Err(CoreError::NotFound {
                what: "person".into(),
            });
        }
        tx.execute(
            "INSERT INTO household_members (household_id, person_id, relation) VALUES (?1, ?2, ?3)
             ON CONFLICT (household_id, person_id) DO UPDATE SET relation = excluded.relation",
            params![hid, pid, relation.as_str()],
        )?;
        tx.execute(
            "UPDATE households SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
            [&hid],
        )?;
        Ok(())
    })?;
    tracing::info!(household_id = %hid, person_id = %pid, relation = relation.as_str(), "household member set");
    get(store, &hid)
}

pub fn remove_member(
    store: &Store,
    household_id: &str,
    person_id: &str,
) -> Result<HouseholdDetail> {
    let hid = parse_id(household_id, "household")?;
    let pid = parse_id(person_id, "person")?;
    let n = store.write(|tx| {
        tx.execute(
            "DELETE FROM household_members WHERE household_id = ?1 AND person_id = ?2",
            [&hid, &pid],
        )
    })?;
    if n == 0 {
        return Err(CoreError::NotFound {
            what: "household member".into(),
        });
    }
    get(store, &hid)
}

/// Deletes the household and its memberships; the people stay.
pub fn delete(store: &Store, id: &str) -> Result<()> {
    let id = parse_id(id, "household")?;
    let n = store.write(|tx| tx.execute("DELETE FROM households WHERE id = ?1", [&id]))?;
    if n == 0 {
        return Err(not_found());
    }
    tracing::info!(household_id = %id, "household deleted");
    Ok(())
}

impl Core {
    pub fn add_household(&self, name: &str, address: Option<&str>) -> Result<Household> {
        add(self.store(), name, address)
    }
    pub fn household(&self, id: &str) -> Result<HouseholdDetail> {
        get(self.store(), id)
    }
    pub fn list_households(&self) -> Result<Vec<Household>> {
        list(self.store())
    }
    pub fn set_household_member(
        &self,
        household_id: &str,
        person_id: &str,
        relation: Relation,
    ) -> Result<HouseholdDetail> {
        set_member(self.store(), household_id, person_id, relation)
    }
    pub fn remove_household_member(
        &self,
        household_id: &str,
        person_id: &str,
    ) -> Result<HouseholdDetail> {
        remove_member(self.store(), household_id, person_id)
    }
    pub fn delete_household(&self, id: &str) -> Result<()> {
        delete(self.store(), id)
    }
}
