//! A secretary's signed amendments: a correction shows beside what the
//! attendee signed, a strike leaves the check-in out of the counts, and an
//! amendment that names anything but an earlier, unstruck check-in of the
//! same log is caught.

use rollcall_trust::bundle::Bundle;
use rollcall_trust::code::CodeDocument;
use rollcall_trust::encoding::hex;
use rollcall_trust::keys::Signer;
use rollcall_trust::log_core::{self, AmendRefused, Amendment, Signed};
use rollcall_trust::merkle::leaf_hash;
use rollcall_trust::statement::{
    AmendAction, AmendmentPredicate, EntryRef, Predicate, RollcallStatement,
};
use rollcall_trust::verify::{verify_bundle, Options};
use time::Duration;

use crate::support::{opened_at, rebuilt, recorded_meeting, signer};

fn pinned(s: &Signer) -> Options<'static> {
    Options {
        pinned: vec![*s.public()],
        ..Options::default()
    }
}

fn correction(amends: u64) -> Amendment<'static> {
    Amendment {
        amends,
        action: AmendAction::Correct,
        reason: "name misspelled on the form",
        role: Some("head-of-delegation"),
        name: Some("Attendee One, corrected"),
        organization: None,
        country: None,
    }
}

fn strike(amends: u64) -> Amendment<'static> {
    Amendment {
        amends,
        action: AmendAction::Strike,
        reason: "a test check-in by the secretary",
        role: None,
        name: None,
        organization: None,
        country: None,
    }
}

#[test]
fn a_corrected_and_a_struck_check_in_verify_and_the_report_says_so() {
    let s = signer(1);
    let mut r = recorded_meeting(&s, "m-amended", 3, false);
    let t = opened_at() + Duration::hours(1);
    let c = r.amend(&correction(2), "sam@example.org", t).unwrap();
    let k = r.amend(&strike(3), "sam@example.org", t).unwrap();
    r.close(t + Duration::minutes(1));
    let report = verify_bundle(&r.bundle(), &pinned(&s));
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.attestations, 3, "the close counts check-in entries");
    assert_eq!(report.amendments.len(), 2);
    assert_eq!(report.amendments[0].index, c);
    assert_eq!(report.amendments[0].action, "correct");
    assert_eq!(report.amendments[0].amends, 2);
    assert_eq!(report.amendments[0].amends_id, report.attendees[1].id);
    let corrected = &report.attendees[1];
    assert_eq!(
        corrected.fields["name"], "Attendee 1",
        "what was signed stays"
    );
    assert_eq!(corrected.current("name"), Some("Attendee One, corrected"));
    assert_eq!(corrected.current("role"), Some("head-of-delegation"));
    assert_eq!(
        corrected.current("organization"),
        Some("Example Standards Body")
    );
    assert_eq!(corrected.amended_by, vec![c]);
    assert!(!corrected.struck);
    let struck = &report.attendees[2];
    assert!(struck.struck);
    assert_eq!(struck.amended_by, vec![k]);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("1 check-in(s) were struck")),
        "{:?}",
        report.warnings
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["amendments"][1]["reason"],
        "a test check-in by the secretary"
    );
}

#[test]
fn the_planner_refuses_amendments_that_name_no_check_in_or_a_struck_one() {
    let s = signer(1);
    let mut r = recorded_meeting(&s, "m-refused", 2, false);
    let t = opened_at() + Duration::hours(1);
    assert_eq!(
        r.amend(&correction(0), "sam", t),
        Err(AmendRefused::NotACheckIn(0))
    );
    assert_eq!(
        r.amend(&correction(9), "sam", t),
        Err(AmendRefused::NotACheckIn(9))
    );
    let mut nothing = correction(1);
    nothing.role = None;
    nothing.name = None;
    assert_eq!(
        r.amend(&nothing, "sam", t),
        Err(AmendRefused::NothingToCorrect)
    );
    let mut strike_values = strike(1);
    strike_values.name = Some("x");
    assert_eq!(
        r.amend(&strike_values, "sam", t),
        Err(AmendRefused::StrikeWithValues)
    );
    r.amend(&strike(1), "sam", t).unwrap();
    assert_eq!(r.amend(&strike(1), "sam", t), Err(AmendRefused::Struck(1)));
    assert_eq!(
        r.amend(&correction(1), "sam", t),
        Err(AmendRefused::Struck(1))
    );
}

/// The recorded meeting's bundle with `p` signed and appended, and a new
/// checkpoint over it.
fn with_forged(s: &Signer, base: &Bundle, p: AmendmentPredicate) -> Bundle {
    let statement = RollcallStatement {
        subject: log_core::subject(&CodeDocument::iso()),
        predicate: Predicate::Amendment(p),
    };
    let mut entries = base.entries.clone();
    entries.push(Signed::sign(s, &statement).entry(&s.public().keyid(), Vec::new()));
    rebuilt(s, "m-forged", base.codes.clone(), entries)
}

#[test]
fn an_amendment_naming_anything_but_an_earlier_unstruck_check_in_is_caught() {
    let s = signer(1);
    let mut r = recorded_meeting(&s, "m-forged", 2, false);
    let t = opened_at() + Duration::hours(1);
    r.amend(&strike(2), "sam", t).unwrap();
    let base = r.bundle();
    assert!(verify_bundle(&base, &pinned(&s)).valid);
    let leaf_of = |i: usize| {
        hex(&leaf_hash(
            &rollcall_trust::encoding::unb64(&base.entries[i].envelope.payload).unwrap(),
        ))
    };
    let amendment = |index: u64, leaf: String, reason: &str| AmendmentPredicate {
        meeting_id: "m-forged".into(),
        recorded_at: t + Duration::minutes(5),
        recorded_by: "sam".into(),
        amends: EntryRef { index, leaf },
        action: AmendAction::Strike,
        reason: reason.into(),
        role: None,
        commitments: Default::default(),
    };
    let cases = [
        (
            amendment(0, leaf_of(0), "r"),
            "which is not an earlier check-in",
        ),
        (
            amendment(1, leaf_of(2), "r"),
            "the leaf hash of a different entry",
        ),
        (
            amendment(2, leaf_of(2), "r"),
            "which an earlier amendment struck",
        ),
        (amendment(1, leaf_of(1), " "), "gives no reason"),
        (
            amendment(7, leaf_of(1), "r"),
            "which is not an earlier check-in",
        ),
    ];
    for (p, expected) in cases {
        let forged = with_forged(&s, &base, p);
        let report = verify_bundle(&forged, &pinned(&s));
        assert!(!report.valid, "{expected}: verified");
        assert!(
            report.failures.iter().any(|f| f.reason.contains(expected)),
            "{expected}: {:?}",
            report.failures
        );
    }
    let fine = with_forged(&s, &base, amendment(1, leaf_of(1), "recorded in error"));
    let report = verify_bundle(&fine, &pinned(&s));
    assert!(report.valid, "{:?}", report.failures);
    assert!(report.attendees[0].struck);
}
