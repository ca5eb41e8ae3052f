//! The dossier state machine: who may take which step from which state, and where it leads.
//!
//! The usual path is `received → accepted → fee_requested → paid → result_ready → completed`;
//! an officer may ask for more papers (`supplement_requested`, answered by a resubmission that
//! goes back to `received`) or reject; the applicant may cancel while the dossier waits on the agency or
//! on them (`received`, `supplement_requested`, `fee_requested`). The whole table is
//! [`Step::rule`].
//!
//! The server applies [`next_state`] to every change; the phone asks
//! [`ApplicantAction::allowed_in`] before it queues an action, so it refuses early exactly what
//! the server would refuse.

use crate::dossiers::DossierState;
use crate::events::EventKind;

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An officer of the dossier's agency.
    Officer,
    /// The submitter or the linked citizen.
    Applicant,
}

/// What can happen to a dossier: the `type` of an [`EventKind`], without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Received,
    Accepted,
    SupplementRequested,
    Rejected,
    FeeRequested,
    Paid,
    ResultReady,
    Completed,
    Cancelled,
    Resubmitted,
    PaymentClaimed,
    PaperKept,
}

/// Who may take a step, from which states, and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRule {
    /// The only actor who may take it.
    pub by: Actor,
    /// The states it may be taken from.
    pub from: &'static [DossierState],
    /// The state afterwards.
    pub to: DossierState,
}

impl Step {
    /// Every step.
    pub const ALL: &'static [Step] = &[
        Step::Received,
        Step::Accepted,
        Step::SupplementRequested,
        Step::Rejected,
        Step::FeeRequested,
        Step::Paid,
        Step::ResultReady,
        Step::Completed,
        Step::Cancelled,
        Step::Resubmitted,
        Step::PaymentClaimed,
        Step::PaperKept,
    ];

    /// The step an event records.
    pub const fn of(event: &EventKind) -> Step {
        match event {
            EventKind::Received => Step::Received,
            EventKind::Accepted => Step::Accepted,
            EventKind::SupplementRequested { .. } => Step::SupplementRequested,
            EventKind::Rejected { .. } => Step::Rejected,
            EventKind::FeeRequested { .. } => Step::FeeRequested,
            EventKind::Paid => Step::Paid,
            EventKind::ResultReady { .. } => Step::ResultReady,
            EventKind::Completed => Step::Completed,
            EventKind::Cancelled { .. } => Step::Cancelled,
            EventKind::Resubmitted { .. } => Step::Resubmitted,
            EventKind::PaymentClaimed { .. } => Step::PaymentClaimed,
            EventKind::PaperKept { .. } => Step::PaperKept,
        }
    }

    /// The stable snake_case name: the event's `type` tag on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Received => "received",
            Step::Accepted => "accepted",
            Step::SupplementRequested => "supplement_requested",
            Step::Rejected => "rejected",
            Step::FeeRequested => "fee_requested",
            Step::Paid => "paid",
            Step::ResultReady => "result_ready",
            Step::Completed => "completed",
            Step::Cancelled => "cancelled",
            Step::Resubmitted => "resubmitted",
            Step::PaymentClaimed => "payment_claimed",
            Step::PaperKept => "paper_kept",
        }
    }

    /// Its rule; `None` for [`Step::Received`], which only a submission causes, and for
    /// [`Step::PaperKept`], which records a scan and leaves the state as it is (the server's
    /// console adds it outside the state machine, in any state).
    pub const fn rule(self) -> Option<StepRule> {
        use Actor::{Applicant, Officer};
        use DossierState as S;
        let (by, from, to): (Actor, &'static [S], S) = match self {
            Step::Received | Step::PaperKept => return None,
            Step::Accepted => (Officer, &[S::Received, S::SupplementRequested], S::Accepted),
            // Also after payment: while checking a paid dossier the agency may still find a paper
            // missing (the correction goes back to `received`; the payment stands).
            Step::SupplementRequested => (
                Officer,
                &[S::Received, S::Accepted, S::Paid],
                S::SupplementRequested,
            ),
            Step::Rejected => (
                Officer,
                &[
                    S::Received,
                    S::Accepted,
                    S::SupplementRequested,
                    S::FeeRequested,
                ],
                S::Rejected,
            ),
            Step::FeeRequested => (Officer, &[S::Received, S::Accepted], S::FeeRequested),
            Step::Paid => (Officer, &[S::FeeRequested], S::Paid),
            Step::ResultReady => (Officer, &[S::Accepted, S::Paid], S::ResultReady),
            Step::Completed => (Officer, &[S::ResultReady], S::Completed),
            Step::Cancelled => (
                Applicant,
                &[S::Received, S::SupplementRequested, S::FeeRequested],
                S::Cancelled,
            ),
            // A corrected dossier goes back to the officer's queue.
            Step::Resubmitted => (Applicant, &[S::SupplementRequested], S::Received),
            // "I have paid": the state stays until an officer confirms.
            Step::PaymentClaimed => (Applicant, &[S::FeeRequested], S::FeeRequested),
        };
        Some(StepRule { by, from, to })
    }
}

/// The state after `step` in `current`, if `actor` may take it there.
pub fn next_state(current: DossierState, step: Step, actor: Actor) -> Option<DossierState> {
    let rule = step.rule()?;
    (rule.by == actor && rule.from.contains(&current)).then_some(rule.to)
}

/// What an applicant may ask for once a dossier is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicantAction {
    /// Withdraw the dossier.
    Cancel,
    /// "I have paid the fee by transfer".
    ClaimPayment,
    /// Send a corrected dossier after a supplement request.
    Resubmit,
    /// Rate the service.
    Rate,
}

impl ApplicantAction {
    /// Every action.
    pub const ALL: &'static [ApplicantAction] = &[
        ApplicantAction::Cancel,
        ApplicantAction::ClaimPayment,
        ApplicantAction::Resubmit,
        ApplicantAction::Rate,
    ];

    /// The step the action takes; `None` for a rating, which leaves the state as it is.
    pub const fn step(self) -> Option<Step> {
        match self {
            ApplicantAction::Cancel => Some(Step::Cancelled),
            ApplicantAction::ClaimPayment => Some(Step::PaymentClaimed),
            ApplicantAction::Resubmit => Some(Step::Resubmitted),
            ApplicantAction::Rate => None,
        }
    }

    /// Whether the applicant may do this while the dossier is in `state`. A rating is given once
    /// the dossier is completed; the others follow the state machine.
    pub fn allowed_in(self, state: DossierState) -> bool {
        match self.step() {
            Some(step) => next_state(state, step, Actor::Applicant).is_some(),
            None => state == DossierState::Completed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DossierState as S;

    #[test]
    fn officer_paths() {
        assert_eq!(
            next_state(S::Received, Step::Accepted, Actor::Officer),
            Some(S::Accepted)
        );
        assert_eq!(
            next_state(S::Received, Step::Accepted, Actor::Applicant),
            None
        );
        assert_eq!(
            next_state(S::Accepted, Step::SupplementRequested, Actor::Officer),
            Some(S::SupplementRequested)
        );
        assert_eq!(
            next_state(S::Paid, Step::SupplementRequested, Actor::Officer),
            Some(S::SupplementRequested)
        );
        assert_eq!(
            next_state(S::FeeRequested, Step::SupplementRequested, Actor::Officer),
            None
        );
        assert_eq!(next_state(S::Paid, Step::Completed, Actor::Officer), None);
        assert_eq!(
            next_state(S::ResultReady, Step::Completed, Actor::Officer),
            Some(S::Completed)
        );
        for &s in S::ALL {
            assert_eq!(next_state(s, Step::Received, Actor::Officer), None);
            assert_eq!(next_state(s, Step::Received, Actor::Applicant), None);
        }
    }

    #[test]
    fn applicant_actions() {
        // (action, the states it is allowed in)
        let table: &[(ApplicantAction, &[S])] = &[
            (
                ApplicantAction::Cancel,
                &[S::Received, S::SupplementRequested, S::FeeRequested],
            ),
            (ApplicantAction::ClaimPayment, &[S::FeeRequested]),
            (ApplicantAction::Resubmit, &[S::SupplementRequested]),
            (ApplicantAction::Rate, &[S::Completed]),
        ];
        for &(action, allowed) in table {
            for &s in S::ALL {
                assert_eq!(
                    action.allowed_in(s),
                    allowed.contains(&s),
                    "{action:?} in {s:?}"
                );
            }
        }
        assert_eq!(
            next_state(S::SupplementRequested, Step::Resubmitted, Actor::Applicant),
            Some(S::Received)
        );
        assert_eq!(
            next_state(S::FeeRequested, Step::PaymentClaimed, Actor::Applicant),
            Some(S::FeeRequested)
        );
    }

    #[test]
    fn final_states_are_final() {
        for &step in Step::ALL {
            for &s in S::ALL {
                if s.is_final() {
                    assert_eq!(next_state(s, step, Actor::Officer), None, "{step:?}");
                    assert_eq!(next_state(s, step, Actor::Applicant), None, "{step:?}");
                }
            }
        }
    }

    #[test]
    fn every_step_is_named_as_its_event_on_the_wire() {
        use crate::events::{BankAccount, ResultDelivery};
        let events = [
            EventKind::Received,
            EventKind::Accepted,
            EventKind::SupplementRequested {
                note: "n".into(),
                items: vec![],
            },
            EventKind::Rejected { reason: "r".into() },
            EventKind::FeeRequested {
                amount_vnd: 1,
                bank: BankAccount {
                    bank_bin: "970415".into(),
                    account_number: "1".into(),
                    account_name: "A".into(),
                },
                transfer_note: "x".into(),
            },
            EventKind::Paid,
            EventKind::ResultReady {
                result: ResultDelivery::Postal {
                    carrier: "VNPost".into(),
                    tracking_number: "1".into(),
                },
            },
            EventKind::Completed,
            EventKind::Cancelled { reason: None },
            EventKind::Resubmitted {
                revision: 2,
                changed_fields: vec![],
                changed_attachments: vec![],
            },
            EventKind::PaymentClaimed { amount_vnd: 1 },
            EventKind::PaperKept {
                kind: "other".into(),
                pages: 1,
                sha256: "a".into(),
                content_type: "application/pdf".into(),
                size: 1,
            },
        ];
        let steps: Vec<Step> = events.iter().map(Step::of).collect();
        assert_eq!(steps, Step::ALL);
        for e in &events {
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json["type"], Step::of(e).as_str());
        }
    }
}
