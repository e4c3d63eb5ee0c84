//! Bundles and receipts made by the recorder verify, and say what they hold.

use rollcall_trust::disclosure::Disclosure;
use rollcall_trust::verify::{verify_bundle, verify_json, verify_receipt, Options};
use time::Duration;

use crate::support::{attendee, bundle, recorded_meeting, signer};

fn pinned(keys: &[&rollcall_trust::keys::Signer]) -> Options<'static> {
    Options {
        pinned: keys.iter().map(|s| *s.public()).collect(),
        ..Options::default()
    }
}

#[test]
fn closed_meeting_bundle_verifies_against_the_pinned_key() {
    let s = signer(1);
    let b = bundle(&s, 5);
    let r = verify_bundle(&b, &pinned(&[&s]));
    assert!(r.valid, "{:?}", r.failures);
    assert!(r.keys_pinned);
    assert_eq!(r.attestations, 5);
    assert_eq!(r.entries, 8, "meeting + 5 check-ins + notes + close");
    assert_eq!(r.meeting.as_ref().unwrap().id, "m-plenary-2026");
    assert_eq!(r.codes.len(), 1);
    assert_eq!(
        r.codes[0].title,
        "ISO Code of Conduct for the technical work"
    );
    assert!(r.codes[0].text_checked);
    assert_eq!(r.notes.len(), 1);
    assert!(r.closed_at.is_some());
    assert_eq!(r.checkpoint.as_ref().unwrap().earlier, 1);
    assert_eq!(r.attendees[3].fields["name"], attendee(3).0);
    assert_eq!(r.attendees[3].fields["email"], attendee(3).1);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn bundle_without_a_pinned_key_verifies_but_warns_that_it_vouches_for_itself() {
    let s = signer(1);
    let r = verify_bundle(&bundle(&s, 2), &Options::default());
    assert!(r.valid);
    assert!(!r.keys_pinned);
    assert!(r.warnings.iter().any(|w| w.contains("NO KEY PINNED")));
}

#[test]
fn bundle_signed_by_another_key_is_rejected_when_a_key_is_pinned() {
    let (real, forger) = (signer(1), signer(2));
    let r = verify_bundle(&bundle(&forger, 2), &pinned(&[&real]));
    assert!(!r.valid);
    assert!(r.failures.iter().any(|f| f.location == "checkpoint"));
    assert!(r.failures.iter().any(|f| f.location.ends_with(".keyid")));
}

#[test]
fn withheld_fields_verify_and_are_reported_as_withheld() {
    let s = signer(1);
    let mut b = bundle(&s, 3);
    // Erase attendee 1's email and name on request: drop their disclosures.
    let entry = &mut b.entries[2];
    entry.disclosures.retain(|d| {
        let f = Disclosure::parse(d).unwrap().field;
        f != "email" && f != "name"
    });
    let r = verify_bundle(&b, &pinned(&[&s]));
    assert!(r.valid, "{:?}", r.failures);
    assert_eq!(
        r.attendees[1].withheld,
        vec!["email".to_string(), "name".to_string()]
    );
    assert!(!r.attendees[1].fields.contains_key("name"));
}

#[test]
fn receipt_proves_inclusion_against_a_signed_checkpoint() {
    let s = signer(1);
    let mut rec = recorded_meeting(&s, "m-receipt", 4, false);
    // Entry 4 is not yet covered by a checkpoint: the receipt is pending.
    let pending = rec.receipt(4).unwrap();
    let r = verify_receipt(&pending, &pinned(&[&s]));
    assert!(!r.valid, "not valid until a checkpoint covers it");
    assert!(r.pending && r.failures.is_empty(), "{:?}", r.failures);
    // Pending says nothing wrong was found: a damaged pending receipt is invalid.
    let mut damaged = pending.clone();
    damaged.entry.disclosures[0] = crate::support::flip_b64(&damaged.entry.disclosures[0], 3);
    let r = verify_receipt(&damaged, &pinned(&[&s]));
    assert!(!r.valid && !r.pending, "{:?}", r.failures);
    rec.checkpoint();
    let receipt = rec.receipt(4).unwrap();
    let r = verify_receipt(&receipt, &pinned(&[&s]));
    assert!(r.valid, "{:?}", r.failures);
    assert_eq!(r.attendees[0].fields["name"], attendee(3).0);
    assert_eq!(r.checkpoint.as_ref().unwrap().size, 5);
    // And through the JSON entry point.
    let json = serde_json::to_vec(&receipt).unwrap();
    assert!(verify_json(json, &pinned(&[&s])).unwrap().valid);
}

#[test]
fn receipt_against_a_forked_log_is_rejected() {
    let s = signer(1);
    let mut honest = recorded_meeting(&s, "m-fork", 3, false);
    honest.checkpoint();
    let receipt = honest.receipt(2).unwrap();
    // The same meeting recorded again (a fork): same origin, other entries.
    let mut fork = recorded_meeting(&s, "m-fork", 3, false);
    let forked_note = fork.checkpoint();
    let mut forged = receipt.clone();
    forged.checkpoint = Some(forked_note);
    let r = verify_receipt(&forged, &pinned(&[&s]));
    assert!(!r.valid);
    assert!(r.failures.iter().any(|f| f.location == "inclusion"));
}

#[test]
fn key_rotation_in_the_middle_of_a_meeting_still_verifies() {
    let (old, new) = (signer(1), signer(2));
    let mut rec = recorded_meeting(&old, "m-rotate", 2, false);
    rec.rotate(&new);
    rec.check_in(
        &rollcall_trust::recorder::CheckIn {
            name: "Late Larry",
            organization: "Org",
            country: "FR / AFNOR",
            email: None,
            role: "observer",
            presence: rollcall_trust::statement::Presence::StaticLink,
            language: "en",
            share_email: false,
        },
        crate::support::opened_at() + Duration::hours(1),
    )
    .expect("the check-in is recorded");
    let b = rec.bundle();
    assert_eq!(b.public_keys.len(), 2);
    let r = verify_bundle(&b, &pinned(&[&old, &new]));
    assert!(r.valid, "{:?}", r.failures);
    assert_eq!(r.signers.len(), 2);
    // Pinning only the retired key is not enough.
    assert!(!verify_bundle(&b, &pinned(&[&old])).valid);
}

#[test]
fn check_ins_outside_the_scheduled_time_are_labelled_not_rejected() {
    let s = signer(1);
    let mut rec = recorded_meeting(&s, "m-timing", 1, false);
    let m = crate::support::meeting("m-timing");
    let visitor = |name| rollcall_trust::recorder::CheckIn {
        name,
        organization: "Org",
        country: "DE / DIN",
        email: None,
        role: "expert",
        presence: rollcall_trust::statement::Presence::StaticLink,
        language: "en",
        share_email: false,
    };
    rec.check_in(
        &visitor("Punctual Pat"),
        m.starts_at + Duration::minutes(30),
    )
    .expect("the check-in is recorded");
    rec.check_in(&visitor("Late Lou"), m.ends_at + Duration::minutes(5))
        .expect("the check-in is recorded");
    let r = verify_bundle(&rec.bundle(), &pinned(&[&s]));
    assert!(r.valid, "{:?}", r.failures);
    let timing: Vec<&str> = r.attendees.iter().map(|a| a.timing).collect();
    assert_eq!(timing, ["on time", "on time", "late"]);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("outside the scheduled")));
}

#[test]
fn open_meeting_bundle_warns_that_the_list_may_be_incomplete() {
    let s = signer(1);
    let b = recorded_meeting(&s, "m-open", 2, false).bundle();
    let r = verify_bundle(&b, &pinned(&[&s]));
    assert!(r.valid, "{:?}", r.failures);
    assert!(r.closed_at.is_none());
    assert!(r.warnings.iter().any(|w| w.contains("not closed")));
}

#[test]
fn a_corrupted_signature_deep_in_a_large_bundle_is_named() {
    let s = signer(1);
    let mut b = bundle(&s, 300);
    assert!(verify_bundle(&b, &pinned(&[&s])).valid);
    let sig = &mut b.entries[200].envelope.signatures[0].sig;
    *sig = crate::support::flip_b64(sig, 50);
    let r = verify_bundle(&b, &pinned(&[&s]));
    assert!(!r.valid);
    assert_eq!(
        r.failures[0].location,
        "entries[200].envelope.signatures[0].sig"
    );
    assert!(r.failures[0].reason.contains("does not verify"));
}

/// A list, receipt and PDF written by the release before consent and
/// erasure (bundle/v1, receipt/v1, check-in/v1), kept in tests/vectors
/// (tests/cli/verify.rs in the root crate runs `rollcall verify` on them).
fn v1_list(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/v1-list")
        .join(file)
}

#[test]
fn lists_signed_before_consent_and_erasure_are_read_as_v1() {
    // Read as the v1 documents they are: no consent question was asked.
    let bundle: rollcall_trust::bundle::Bundle =
        serde_json::from_slice(&std::fs::read(v1_list("bundle.json")).unwrap()).unwrap();
    assert_eq!(bundle.format, rollcall_trust::bundle::BUNDLE_FORMAT_V1);
    let report = rollcall_trust::verify::verify_bundle(&bundle, &Default::default());
    assert_eq!(report.attendees.len(), 3);
    assert!(report.attendees.iter().all(|a| a.circulate.is_none()));

    // A v1 list cannot say a field was erased: that came with v2.
    let mut marked = bundle.clone();
    marked.entries[1]
        .disclosures
        .retain(|d| Disclosure::parse(d).is_ok_and(|d| d.field != "email"));
    marked.entries[1].erased = vec!["email".into()];
    let report = rollcall_trust::verify::verify_bundle(&marked, &Default::default());
    assert!(!report.valid);
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.reason.contains("only in bundle/v2")),
        "{:?}",
        report.failures
    );
    // The same marks in a v2 list are read, and counted.
    marked.format = rollcall_trust::bundle::BUNDLE_FORMAT.to_owned();
    let report = rollcall_trust::verify::verify_bundle(&marked, &Default::default());
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.attendees[0].erased, ["email"]);
    assert!(report.attendees[0].withheld.is_empty());
    // An erased field that is disclosed too, or not committed, is refused.
    let mut wrong = marked.clone();
    wrong.entries[2].erased = vec!["name".into(), "phone".into()];
    let report = rollcall_trust::verify::verify_bundle(&wrong, &Default::default());
    let reasons: Vec<&str> = report.failures.iter().map(|f| f.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("marked erased but disclosed")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not a field this entry commits to")),
        "{reasons:?}"
    );
}

#[test]
fn a_check_in_says_its_consent_in_v2_and_never_in_v1() {
    use rollcall_trust::statement::{RollcallStatement, StatementError};
    let bundle: rollcall_trust::bundle::Bundle =
        serde_json::from_slice(&std::fs::read(v1_list("bundle.json")).unwrap()).unwrap();
    let payload = rollcall_trust::encoding::unb64(&bundle.entries[1].envelope.payload).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(v["predicateType"], "https://rollcall.dev/check-in/v1");
    assert!(RollcallStatement::parse(&payload).is_ok());
    // v1 with a consent, or v2 without one, is not a check-in.
    let mut with_consent = v.clone();
    with_consent["predicate"]["circulate"] = serde_json::json!(["email"]);
    assert!(matches!(
        RollcallStatement::parse(&serde_json::to_vec(&with_consent).unwrap()),
        Err(StatementError::CheckInVersion)
    ));
    v["predicateType"] = "https://rollcall.dev/check-in/v2".into();
    assert!(matches!(
        RollcallStatement::parse(&serde_json::to_vec(&v).unwrap()),
        Err(StatementError::CheckInVersion)
    ));
    v["predicate"]["circulate"] = serde_json::json!([]);
    let parsed = RollcallStatement::parse(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(
        parsed.predicate.type_uri(),
        "https://rollcall.dev/check-in/v2",
        "written back as v2"
    );
}

#[test]
fn lists_signed_before_remote_check_ins_verify_unchanged_and_count_everyone_in_the_room() {
    let key = rollcall_trust::keys::PublicKey::parse(
        std::fs::read_to_string(v1_list("key.txt")).unwrap().trim(),
    )
    .unwrap();
    let bytes = std::fs::read(v1_list("bundle.json")).unwrap();
    let options = Options {
        pinned: vec![key],
        ..Options::default()
    };
    let report = verify_json(bytes, &options).unwrap();
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!((report.attestations, report.room, report.remote), (3, 3, 0));
}

#[test]
fn remote_presence_is_a_check_in_v2_method_only() {
    use rollcall_trust::statement::{Predicate, Presence, RollcallStatement, StatementError};
    let bundle: rollcall_trust::bundle::Bundle =
        serde_json::from_slice(&std::fs::read(v1_list("bundle.json")).unwrap()).unwrap();
    let payload = rollcall_trust::encoding::unb64(&bundle.entries[1].envelope.payload).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    v["predicate"]["presence"] = serde_json::json!({"method": "remote"});
    assert!(matches!(
        RollcallStatement::parse(&serde_json::to_vec(&v).unwrap()),
        Err(StatementError::RemoteInV1)
    ));
    v["predicateType"] = "https://rollcall.dev/check-in/v2".into();
    v["predicate"]["circulate"] = serde_json::json!([]);
    let parsed = RollcallStatement::parse(&serde_json::to_vec(&v).unwrap()).unwrap();
    let Predicate::CheckIn(p) = &parsed.predicate else {
        panic!("a check-in")
    };
    assert_eq!(p.presence, Presence::Remote);
    let again = RollcallStatement::parse(&parsed.to_payload()).unwrap();
    assert_eq!(again, parsed, "round-trips through its payload");
    // A method no verifier knows, or remote with a room field, is refused.
    for presence in [
        serde_json::json!({"method": "hologram"}),
        serde_json::json!({"method": "remote", "recorded_by": "x"}),
    ] {
        v["predicate"]["presence"] = presence.clone();
        assert!(
            RollcallStatement::parse(&serde_json::to_vec(&v).unwrap()).is_err(),
            "{presence} must be refused"
        );
    }
}
