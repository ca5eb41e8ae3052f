//! `dvc person add|list|show|update|delete|doc-add|doc-get` — people and their papers.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dvc_core::documents::{DocumentId, DocumentKind, DocumentMeta};
use dvc_core::people::{Person, PersonInput};

use crate::{out, CliError, Ctx};

#[derive(Debug, Args)]
pub struct Fields {
    /// Full name (with diacritics).
    #[arg(long)]
    pub name: Option<String>,
    /// male | female (or Nam | Nữ).
    #[arg(long)]
    pub sex: Option<String>,
    /// Date of birth, YYYY-MM-DD (or YYYY-MM, YYYY).
    #[arg(long)]
    pub dob: Option<String>,
    #[arg(long)]
    pub place_of_birth: Option<String>,
    /// 12-digit personal ID number.
    #[arg(long)]
    pub id_number: Option<String>,
    /// Old 9-digit CMND number.
    #[arg(long)]
    pub old_id: Option<String>,
    /// Issue date of the ID card, YYYY-MM-DD.
    #[arg(long)]
    pub issue_date: Option<String>,
    /// Mobile number (0… or +84…).
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Permanent address.
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub current_address: Option<String>,
    #[arg(long)]
    pub ethnicity: Option<String>,
    #[arg(long)]
    pub nationality: Option<String>,
}

impl Fields {
    /// Overlays the given flags on `base`.
    fn apply(self, mut base: PersonInput) -> PersonInput {
        if let Some(v) = self.name {
            base.full_name = v;
        }
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if v.is_some() {
                *slot = v;
            }
        };
        set(&mut base.sex, self.sex);
        set(&mut base.date_of_birth, self.dob);
        set(&mut base.place_of_birth, self.place_of_birth);
        set(&mut base.id_number, self.id_number);
        set(&mut base.old_id_number, self.old_id);
        set(&mut base.id_issue_date, self.issue_date);
        set(&mut base.phone, self.phone);
        set(&mut base.email, self.email);
        set(&mut base.permanent_address, self.address);
        set(&mut base.current_address, self.current_address);
        set(&mut base.ethnicity, self.ethnicity);
        set(&mut base.nationality, self.nationality);
        base
    }
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Add a person from flags, a CCCD QR payload (--from-cccd) or a photo of the card
    /// (--from-cccd-image); flags override what the card says.
    Add {
        #[arg(long, value_name = "PAYLOAD", conflicts_with = "from_cccd_image")]
        from_cccd: Option<String>,
        #[arg(long, value_name = "IMAGE")]
        from_cccd_image: Option<PathBuf>,
        #[command(flatten)]
        fields: Fields,
    },
    /// List people; --search matches the name (accents optional) or ID/phone digits.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// One person with their documents and households.
    Show { id: String },
    /// Change a person's details (only the flags given).
    Update {
        id: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Delete a person with their documents and dossiers (needs --yes; refused while one of
    /// their dossiers still waits to be sent).
    Delete {
        id: String,
        #[arg(long)]
        yes: bool,
    },
    /// Store a document file for a person (encrypted); prints its id.
    DocAdd {
        person_id: String,
        file: PathBuf,
        /// cccd_front, cccd_back, portrait, birth_certificate, passport, driving_licence,
        /// health_insurance_card, other
        #[arg(long, default_value = "other")]
        kind: String,
        #[arg(long)]
        issue_date: Option<String>,
        #[arg(long)]
        expiry_date: Option<String>,
    },
    /// Write a document's decrypted bytes to a file.
    DocGet { id: String, out: PathBuf },
}

fn line(p: &Person) -> String {
    format!(
        "{}  {}  {}",
        p.id,
        p.full_name,
        p.id_number.as_deref().unwrap_or("-")
    )
}

fn to_input(p: &Person) -> PersonInput {
    PersonInput {
        full_name: p.full_name.clone(),
        sex: p.sex.map(|s| s.as_str().to_string()),
        date_of_birth: p.date_of_birth.map(|d| d.to_string()),
        place_of_birth: p.place_of_birth.clone(),
        id_number: p.id_number.clone(),
        old_id_number: p.old_id_number.clone(),
        id_issue_date: p.id_issue_date.map(|d| d.to_string()),
        phone: p.phone.clone(),
        email: p.email.clone(),
        permanent_address: p.permanent_address.clone(),
        current_address: p.current_address.clone(),
        ethnicity: p.ethnicity.clone(),
        nationality: p.nationality.clone(),
    }
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Add {
            from_cccd,
            from_cccd_image,
            fields,
        } => {
            let base = if let Some(payload) = from_cccd {
                let card = dvc_core::cccd::parse(&payload)
                    .map_err(|e| CliError::BadInput(e.to_string()))?;
                PersonInput::from_cccd(&card)
            } else if let Some(img) = from_cccd_image {
                PersonInput::from_cccd(&crate::cccd::scan_file(&img)?)
            } else {
                if fields.name.is_none() {
                    return Err(CliError::BadInput(
                        "--name is required (or --from-cccd / --from-cccd-image)".into(),
                    ));
                }
                PersonInput::default()
            };
            let core = ctx.open()?;
            let p = core.add_person(&fields.apply(base))?;
            out::print(ctx, &p, line)
        }
        Cmd::List { search } => {
            let core = ctx.open()?;
            let all = core.list_people(search.as_deref())?;
            out::print(ctx, &all, |all| {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        Cmd::Show { id } => {
            let core = ctx.open()?;
            let d = core.person(&id)?;
            out::print(ctx, &d, |d| {
                format!("{}\ndocuments: {}", line(&d.person), d.documents.len())
            })
        }
        Cmd::Update { id, fields } => {
            let core = ctx.open()?;
            let current = core.person(&id)?.person;
            let p = core.update_person(&id, &fields.apply(to_input(&current)))?;
            out::print(ctx, &p, line)
        }
        Cmd::Delete { id, yes } => {
            if !yes {
                return Err(CliError::BadInput(
                    "deleting a person and their documents needs --yes".into(),
                ));
            }
            let core = ctx.open()?;
            let r = core.delete_person(&id, true)?;
            out::print(ctx, &r, |r| {
                format!(
                    "deleted; documents: {}, files: {}, dossiers: {}",
                    r.documents_deleted, r.files_deleted, r.dossiers_deleted
                )
            })
        }
        Cmd::DocAdd {
            person_id,
            file,
            kind,
            issue_date,
            expiry_date,
        } => {
            let kind = DocumentKind::parse(&kind)?;
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
            let core = ctx.open()?;
            let id = core.store_document(
                &person_id,
                kind,
                &bytes,
                &DocumentMeta {
                    issue_date,
                    expiry_date,
                },
            )?;
            let doc = core.document(&id)?;
            out::print(ctx, &doc, |d| d.id.to_string())
        }
        Cmd::DocGet { id, out: path } => {
            let core = ctx.open()?;
            let bytes = core.read_document(&DocumentId(id))?;
            std::fs::write(&path, &bytes)
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
            let n = bytes.len();
            out::print(ctx, &serde_json::json!({ "bytes": n }), |_| {
                format!("{n} bytes written")
            })
        }
    }
}
