//! The roster's commitment, the close/v2 counts against it and the
//! delegation snapshots: what verifies, and what the verifier catches.

use rollcall_trust::digest::Sha256Digest;
use rollcall_trust::keys::Signer;
use rollcall_trust::log_core::DelegationsRefused;
use rollcall_trust::statement::{
    AmendAction, ClosePredicate, Delegation, Predicate, RollcallStatement, RosterCounts,
    StatementError,
};
use rollcall_trust::verify::{verify_bundle, Options, Report};
use time::Duration;

use crate::support::{opened_at, recorded_meeting, signer};

fn pinned(s: &Signer) -> Options<'static> {
    Options {
        pinned: vec![*s.public()],
        ..Options::default()
    }
}

fn counts(expected: u64, present_room: u64, absent: u64, walk_ins: u64) -> RosterCounts {
    RosterCounts {
        expected,
        present_room,
        present_remote: 0,
        absent,
        walk_ins,
        repeats: 0,
    }
}

/// Three check-ins, a roster of `roster` rows (if any), the third check-in
/// struck, closed with `c`.
fn closed(s: &Signer, roster: Option<u64>, c: RosterCounts) -> Report {
    let mut r = recorded_meeting(s, "m-roster", 3, false);
    let t = opened_at() + Duration::hours(1);
    if let Some(size) = roster {
        r.roster("sam@example.org", size, Sha256Digest([7; 32]), t);
    }
    r.amend(
        &rollcall_trust::log_core::Amendment {
            amends: 3,
            action: AmendAction::Strike,
            reason: "recorded in error",
            role: None,
            name: None,
            organization: None,
            country: None,
        },
        "sam@example.org",
        t,
    )
    .unwrap();
    r.close_counting(t + Duration::minutes(1), c);
    verify_bundle(&r.bundle(), &pinned(s))
}

#[test]
fn a_close_counting_against_the_roster_verifies_and_the_report_gives_its_counts() {
    let s = signer(1);
    // 5 expected, 2 present (the struck one does not count), one of them
    // a walk-in: 1 matched, 4 absent.
    let report = closed(&s, Some(5), counts(5, 2, 4, 1));
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.rosters.len(), 1);
    assert_eq!(report.rosters[0].size, 5);
    assert_eq!(report.rosters[0].sha256, "07".repeat(32));
    assert_eq!(report.roster_counts, Some(counts(5, 2, 4, 1)));
}

#[test]
fn counts_that_disagree_with_the_log_or_with_each_other_are_caught() {
    let s = signer(1);
    for (roster, c, needle) in [
        (
            Some(5),
            counts(5, 3, 3, 1),
            "log has 2 and 0 check-ins that count",
        ),
        (Some(4), counts(5, 2, 4, 1), "the latest roster has 4"),
        (Some(5), counts(5, 2, 3, 1), "the close's counts disagree"),
        (None, counts(5, 2, 4, 1), "commits to none"),
    ] {
        let report = closed(&s, roster, c);
        assert!(!report.valid, "{c:?} verified");
        assert!(
            report.failures.iter().any(|f| f.reason.contains(needle)),
            "{needle}: {:?}",
            report.failures
        );
    }
}

#[test]
fn a_delegation_snapshot_names_heads_by_index_and_only_check_ins_that_count() {
    let s = signer(1);
    let mut r = recorded_meeting(&s, "m-delegations", 3, false);
    let t = opened_at() + Duration::hours(1);
    let group = |heads: Vec<u64>| {
        vec![Delegation {
            country: "CH / SNV".into(),
            present: 3,
            heads,
        }]
    };
    assert_eq!(
        r.delegations("sam@example.org", group(vec![0]), t),
        Err(DelegationsRefused::NotACheckIn(0))
    );
    let i = r.delegations("sam@example.org", group(vec![2]), t).unwrap();
    r.close(t + Duration::minutes(1));
    let report = verify_bundle(&r.bundle(), &pinned(&s));
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.delegations.len(), 1);
    assert_eq!(report.delegations[0].index, i);
    assert_eq!(report.delegations[0].delegations[0].heads, vec![2]);
    assert_eq!(
        report.roster_counts, None,
        "a close/v1 has no roster counts"
    );
}

#[test]
fn a_close_v2_must_carry_every_count_and_a_close_v1_reads_as_before() {
    let subject = r#"[{"name":"c","digest":{"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}}]"#;
    let close = |v: &str, extra: &str| {
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":{subject},"predicateType":"https://rollcall.dev/close/{v}","predicate":{{"meeting_id":"m","closed_at":"2026-01-01T00:00:00Z","check_ins":0{extra}}}}}"#
        )
    };
    let all =
        r#","expected":1,"present_room":0,"present_remote":0,"absent":1,"walk_ins":0,"repeats":0"#;
    let v2 = RollcallStatement::parse(close("v2", all).as_bytes()).unwrap();
    assert_eq!(
        v2.to_payload(),
        close("v2", all).into_bytes(),
        "written back byte for byte"
    );
    // A close/v1 is read as before: members it does not list are ignored
    // (§5.8), and it carries no counts.
    let v1 = RollcallStatement::parse(close("v1", all).as_bytes()).unwrap();
    assert!(matches!(
        v1.predicate,
        Predicate::Close(ClosePredicate { roster: None, .. })
    ));
    assert_eq!(v1.to_payload(), close("v1", "").into_bytes());
    // So is one written as an array of its member values (§5.8).
    let array = close("v1", "").replace(
        r#"{"meeting_id":"m","closed_at":"2026-01-01T00:00:00Z","check_ins":0}"#,
        r#"["m","2026-01-01T00:00:00Z",0]"#,
    );
    assert!(
        RollcallStatement::parse(array.as_bytes()).is_ok(),
        "{array}"
    );
    for bad in [
        close("v2", ""),
        close("v2", r#","expected":1"#),
        close("v2", &format!(r#"{all},"extra":1"#)),
    ] {
        assert!(
            matches!(
                RollcallStatement::parse(bad.as_bytes()),
                Err(StatementError::Json(_))
            ),
            "{bad}"
        );
    }
}
