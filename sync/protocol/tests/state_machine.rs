//! The dossier state machine ([`dvc_protocol::rules::next_state`]) over every (state, actor,
//! step), and over random walks of steps from a new dossier, against the invariants the server and
//! the phone rely on:
//!
//! - a fee request is confirmed paid at most once: every `paid` follows its own `fee_requested`,
//!   and no payment is claimed or confirmed while no fee is open;
//! - nothing is cancelled or rejected once a result exists, and final states never change;
//! - only a submission makes a dossier `received` from nothing; only the applicant cancels,
//!   claims a payment or resubmits, only an officer does the rest;
//! - every state can be reached, and "supplement after payment" (paid → supplement_requested →
//!   received → a second fee_requested) is one of the paths.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use dvc_protocol::dossiers::DossierState as S;
use dvc_protocol::rules::{next_state, Actor, ApplicantAction, Step};
use proptest::prelude::*;

const ACTORS: [Actor; 2] = [Actor::Officer, Actor::Applicant];

/// What a walk has done so far, for the invariants that depend on history.
#[derive(Debug, Default)]
struct History {
    fees: u32,
    paid: u32,
    /// A fee was asked and not yet confirmed.
    fee_open: bool,
    result: bool,
}

/// Takes `step` by `actor` in `state` and checks every invariant; returns the next state.
fn check_step(state: S, actor: Actor, step: Step, h: &mut History) -> Option<S> {
    let next = next_state(state, step, actor)?;
    assert!(
        !state.is_final(),
        "{state:?} is final, yet {step:?} moved it"
    );
    assert_ne!(step, Step::Received, "only a submission makes a dossier");
    let applicant_steps = [Step::Cancelled, Step::PaymentClaimed, Step::Resubmitted];
    assert_eq!(
        actor == Actor::Applicant,
        applicant_steps.contains(&step),
        "{actor:?} took {step:?}"
    );
    match step {
        Step::FeeRequested => {
            assert!(!h.fee_open, "a second fee while the first is open");
            h.fees += 1;
            h.fee_open = true;
        }
        Step::Paid => {
            assert!(h.fee_open, "paid with no fee open");
            h.paid += 1;
            h.fee_open = false;
        }
        Step::PaymentClaimed => assert!(h.fee_open, "a payment claim with no fee open"),
        Step::ResultReady => h.result = true,
        Step::Cancelled | Step::Rejected => {
            assert!(!h.result, "{step:?} after the result");
            // Withdrawing or refusing closes the fee too.
            h.fee_open = false;
        }
        _ => {}
    }
    assert!(h.paid <= h.fees, "charged more often than asked: {h:?}");
    assert_eq!(next == S::FeeRequested, h.fee_open, "{step:?}: {h:?}");
    Some(next)
}

#[test]
fn every_state_actor_and_step() {
    for &state in S::ALL {
        for actor in ACTORS {
            for &step in Step::ALL {
                let got = next_state(state, step, actor);
                let rule = step.rule();
                // The table and the function agree, and nothing leaves a final state.
                let want = rule
                    .filter(|r| r.by == actor && r.from.contains(&state))
                    .map(|r| r.to);
                assert_eq!(got, want, "{state:?} {actor:?} {step:?}");
                if state.is_final() {
                    assert_eq!(got, None, "{state:?} {actor:?} {step:?}");
                }
                // Where each step may lead.
                if let Some(to) = got {
                    let allowed_to: &[S] = match step {
                        Step::Paid => &[S::Paid],
                        Step::PaymentClaimed => &[S::FeeRequested],
                        Step::Resubmitted => &[S::Received],
                        Step::Cancelled => &[S::Cancelled],
                        _ => S::ALL,
                    };
                    assert!(allowed_to.contains(&to), "{state:?} {step:?} → {to:?}");
                    // A dossier with a result is never cancelled or rejected.
                    if matches!(state, S::ResultReady | S::Completed) {
                        assert!(!matches!(to, S::Cancelled | S::Rejected));
                    }
                    // Paid only from an open fee.
                    if to == S::Paid {
                        assert_eq!(state, S::FeeRequested);
                    }
                }
            }
        }
        // The phone's check asks the same table.
        for &a in ApplicantAction::ALL {
            if let Some(step) = a.step() {
                assert_eq!(
                    a.allowed_in(state),
                    next_state(state, step, Actor::Applicant).is_some()
                );
            }
        }
    }
}

#[test]
fn every_state_is_reachable_and_supplement_after_payment_is_a_path() {
    let mut seen = vec![S::Received];
    let mut i = 0;
    while i < seen.len() {
        let s = seen[i];
        for actor in ACTORS {
            for &step in Step::ALL {
                if let Some(n) = next_state(s, step, actor) {
                    if !seen.contains(&n) {
                        seen.push(n);
                    }
                }
            }
        }
        i += 1;
    }
    for s in S::ALL {
        assert!(seen.contains(s), "{s:?} cannot be reached");
    }
    use Actor::{Applicant, Officer};
    let story = [
        (Officer, Step::Accepted),
        (Officer, Step::FeeRequested),
        (Applicant, Step::PaymentClaimed),
        (Officer, Step::Paid),
        (Officer, Step::SupplementRequested),
        (Applicant, Step::Resubmitted),
        (Officer, Step::Accepted),
        (Officer, Step::FeeRequested),
        (Officer, Step::Paid),
        (Officer, Step::ResultReady),
        (Officer, Step::Completed),
    ];
    let mut h = History::default();
    let mut s = S::Received;
    for (actor, step) in story {
        s = check_step(s, actor, step, &mut h)
            .unwrap_or_else(|| panic!("{actor:?} {step:?} refused in {s:?}"));
    }
    assert_eq!((s, h.fees, h.paid), (S::Completed, 2, 2));
    // Cancel after payment: only once a supplement reopened the dossier.
    let mut h = History::default();
    let mut s = S::Received;
    for (actor, step) in [
        (Officer, Step::FeeRequested),
        (Officer, Step::Paid),
        (Officer, Step::SupplementRequested),
        (Applicant, Step::Cancelled),
    ] {
        assert_eq!(
            next_state(s, Step::Cancelled, Applicant).is_some(),
            matches!(s, S::Received | S::SupplementRequested | S::FeeRequested),
        );
        s = check_step(s, actor, step, &mut h).unwrap();
    }
    assert_eq!(s, S::Cancelled);
}

fn any_step() -> impl Strategy<Value = (Actor, Step)> {
    (
        prop::sample::select(ACTORS.to_vec()),
        prop::sample::select(Step::ALL.to_vec()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random walks from a new dossier: every step the machine allows keeps the invariants, and a
    /// refused step changes nothing.
    #[test]
    fn random_walks_keep_the_invariants(steps in proptest::collection::vec(any_step(), 0..60)) {
        let mut h = History::default();
        let mut s = S::Received;
        for (actor, step) in steps {
            if let Some(n) = check_step(s, actor, step, &mut h) {
                s = n;
            }
        }
        prop_assert!(h.paid <= h.fees);
    }
}
