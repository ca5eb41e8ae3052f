//! Rules the phone and the server both apply, written once so they cannot drift apart.
//!
//! The phone checks early, so a person is told at once and nothing doomed is queued; the server
//! decides. Both call the functions here, so anything the phone lets through the server takes:
//!
//! | rule | function |
//! | --- | --- |
//! | Vietnamese mobile numbers | [`normalize_mobile`] |
//! | an account's ID number, full name and date of birth | [`check_id_number`], [`check_full_name`], [`check_birth_date`] |
//! | a rating's stars and comment | [`check_rating`] |
//! | the dossier state machine (officer and applicant steps) | [`next_state`], [`ApplicantAction::allowed_in`] |
//! | "today" and dates in Vietnam (UTC+7 all year) | [`vietnam_today`], [`vietnam_date`] |
//!
//! The revision diff (what changed between two manifests) lives with the manifest:
//! [`crate::dossiers::changed_fields`] and [`crate::dossiers::changed_attachments`].

mod identity;
mod phone;
mod rating;
mod states;
mod vietnam_time;

pub use identity::{
    birth_province, birth_province_codes, check_birth_date, check_full_name, check_id_number,
    IdentityError, MAX_NAME_CHARS, MIN_BIRTH_YEAR,
};
pub use phone::normalize_mobile;
pub use rating::{check_rating, RatingError, MAX_COMMENT_CHARS, STARS};
pub use states::{next_state, Actor, ApplicantAction, Step, StepRule};
pub use vietnam_time::{vietnam_date, vietnam_today, VIETNAM_OFFSET};
