//! Sessions: a check-in during an open session is for it, one session is
//! open at a time, each close counts its check-ins, and a list that says
//! otherwise is caught.

use rollcall_trust::bundle::Bundle;
use rollcall_trust::encoding::unb64;
use rollcall_trust::keys::Signer;
use rollcall_trust::log_core::{Refused, SessionRefused, Signed};
use rollcall_trust::recorder::{CheckIn, Recorder};
use rollcall_trust::statement::{Predicate, Presence, RollcallStatement, Session};
use rollcall_trust::verify::{verify_bundle, Options};
use time::{Duration, OffsetDateTime};

use crate::support::{meeting, opened_at, rebuilt, signer, HOST};

fn pinned(s: &Signer) -> Options<'static> {
    Options {
        pinned: vec![*s.public()],
        ..Options::default()
    }
}

fn session(number: u32, day: i64) -> Session {
    let start = opened_at() + Duration::days(day);
    Session {
        number,
        name: format!("Day {number}"),
        starts_at: start,
        ends_at: start + Duration::hours(8),
    }
}

fn check_in(r: &mut Recorder<'_>, name: &str, at: OffsetDateTime) -> Result<u64, Refused> {
    r.check_in(
        &CheckIn {
            name,
            organization: "SNV",
            country: "Switzerland (SNV)",
            email: None,
            role: "delegate",
            presence: Presence::StaticLink,
            language: "en",
            share_email: false,
        },
        at,
    )
}

/// A meeting over two days: Ada at both sessions, Bo at the first only.
fn two_days(s: &Signer) -> Recorder<'_> {
    let mut r = Recorder::open(
        s,
        rand_core::OsRng,
        HOST,
        meeting("m-two-days"),
        rollcall_trust::code::CodeDocument::iso(),
        vec!["en".into()],
        opened_at(),
    );
    let t = |h: i64| opened_at() + Duration::hours(h);
    r.open_session(session(1, 0), "sam", t(1)).unwrap();
    check_in(&mut r, "Ada", t(1)).unwrap();
    check_in(&mut r, "Bo", t(1)).unwrap();
    r.close_session(1, "sam", t(8)).unwrap();
    r.open_session(session(2, 1), "sam", t(25)).unwrap();
    check_in(&mut r, "Ada", t(25)).unwrap();
    r
}

#[test]
fn check_ins_during_sessions_verify_and_each_session_counts_its_own() {
    let s = signer(1);
    let mut r = two_days(&s);
    r.close(opened_at() + Duration::hours(30));
    let report = verify_bundle(&r.bundle(), &pinned(&s));
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.sessions.len(), 2);
    assert_eq!(
        (report.sessions[0].number, report.sessions[0].check_ins),
        (1, 2)
    );
    assert_eq!(report.sessions[0].name, "Day 1");
    assert!(report.sessions[0].closed_at.is_some());
    assert_eq!(report.sessions[1].check_ins, 1);
    assert!(
        report.sessions[1].closed_at.is_some(),
        "a session still open ends with the meeting"
    );
    let sessions: Vec<_> = report.attendees.iter().map(|a| a.session).collect();
    assert_eq!(sessions, [Some(1), Some(1), Some(2)]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["attendees"][2]["session"], 2);
}

#[test]
fn the_planner_opens_one_session_at_a_time_and_refuses_check_ins_between_sessions() {
    let s = signer(1);
    let mut r = two_days(&s);
    let t = opened_at() + Duration::hours(26);
    assert_eq!(
        r.open_session(session(3, 2), "sam", t),
        Err(SessionRefused::AnotherOpen(2))
    );
    assert_eq!(
        r.close_session(1, "sam", t),
        Err(SessionRefused::NotOpen(1))
    );
    r.close_session(2, "sam", t).unwrap();
    assert_eq!(
        r.open_session(session(1, 0), "sam", t),
        Err(SessionRefused::AlreadyOpened(1))
    );
    assert_eq!(check_in(&mut r, "Cy", t), Err(Refused::BetweenSessions));
}

/// `base` with every statement passed through `edit` (by index), signed
/// again, and a new checkpoint over it.
fn edited(s: &Signer, base: &Bundle, edit: impl Fn(usize, &mut RollcallStatement)) -> Bundle {
    let entries: Vec<_> = base
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut st = RollcallStatement::parse(&unb64(&e.envelope.payload).unwrap()).unwrap();
            edit(i, &mut st);
            Signed::sign(s, &st).entry(&s.public().keyid(), e.disclosures.clone())
        })
        .collect();
    rebuilt(s, "m-two-days", base.codes.clone(), entries)
}

#[test]
fn a_list_whose_sessions_do_not_add_up_is_caught() {
    let s = signer(1);
    let base = two_days(&s).bundle();
    assert!(verify_bundle(&base, &pinned(&s)).valid);
    // Entries: 0 meeting, 1 open s1, 2 Ada, 3 Bo, 4 close s1, 5 open s2, 6 Ada.
    type Edit = Box<dyn Fn(usize, &mut RollcallStatement)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|i, st| {
                if let (3, Predicate::CheckIn(p)) = (i, &mut st.predicate) {
                    p.session = Some(2);
                }
            }),
            "is for session 2, which is not open",
        ),
        (
            Box::new(|i, st| {
                if let (4, Predicate::SessionClose(p)) = (i, &mut st.predicate) {
                    p.check_ins = 3;
                }
            }),
            "the close of session 1 records 3 check-ins but the log has 2",
        ),
        (
            Box::new(|i, st| {
                if let (4, Predicate::SessionClose(p)) = (i, &mut st.predicate) {
                    p.session = 2;
                }
            }),
            "closes session 2, which is not open",
        ),
        (
            Box::new(|i, st| {
                if let (5, Predicate::SessionOpen(p)) = (i, &mut st.predicate) {
                    p.session.number = 1;
                }
            }),
            "opens session 1 a second time",
        ),
        (
            Box::new(|i, st| {
                if let (6, Predicate::CheckIn(p)) = (i, &mut st.predicate) {
                    p.session = None;
                }
            }),
            "names no session, but the meeting's sessions have begun",
        ),
    ];
    for (edit, expected) in cases {
        let report = verify_bundle(&edited(&s, &base, edit), &pinned(&s));
        assert!(!report.valid, "{expected}: verified");
        assert!(
            report.failures.iter().any(|f| f.reason.contains(expected)),
            "{expected}: {:?}",
            report.failures
        );
    }
}
