//! Meetings that offer the Code in several languages: the statement lists
//! every version, and each check-in must acknowledge one of them in its
//! own language.

use rollcall_trust::code::CodeDocument;
use rollcall_trust::recorder::{CheckIn, Recorder};
use rollcall_trust::statement::Presence;
use rollcall_trust::verify::{verify_bundle, Options, Report};
use time::Duration;

use crate::support::{meeting, opened_at, signer, HOST};

/// A translation written for these tests only; it is not an official text.
fn test_translation() -> CodeDocument {
    CodeDocument::new(
        "test-only-code-fr.md",
        "fr",
        "# Traduction d’essai du Code\n\nTexte d’essai, sans valeur officielle.\n",
    )
    .unwrap()
}

fn attendee(language: &str) -> CheckIn<'_> {
    CheckIn {
        name: "Camille Martin",
        organization: "AFNOR",
        country: "FR / AFNOR",
        email: None,
        role: "delegate",
        presence: Presence::StaticLink,
        language,
        share_email: false,
    }
}

fn verified(r: &mut Recorder<'_>, s: &rollcall_trust::keys::Signer) -> Report {
    let b = r.bundle();
    verify_bundle(
        &b,
        &Options {
            pinned: vec![*s.public()],
            ..Options::default()
        },
    )
}

fn reasons(report: &Report) -> String {
    report
        .failures
        .iter()
        .map(|f| format!("{}: {}", f.location, f.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_check_in_shown_the_translation_verifies_with_its_language_and_digest() {
    let s = signer(7);
    let fr = test_translation();
    let mut r = Recorder::open_translated(
        &s,
        rand_core::OsRng,
        HOST,
        meeting("m-translated"),
        CodeDocument::iso(),
        vec![fr.clone()],
        opened_at(),
    );
    let t = opened_at() + Duration::minutes(5);
    r.check_in_shown(&attendee("fr"), &fr, t)
        .expect("the check-in is recorded");
    r.check_in_shown(&attendee("en"), &CodeDocument::iso(), t)
        .expect("the check-in is recorded");
    r.close(t + Duration::hours(1));
    let report = verified(&mut r, &s);
    assert!(report.valid, "{}", reasons(&report));
    let langs: Vec<&str> = report
        .attendees
        .iter()
        .map(|a| a.language.as_str())
        .collect();
    assert_eq!(langs, ["fr", "en"]);
    let fr_summary = report
        .codes
        .iter()
        .find(|c| c.sha256 == fr.digest().to_hex())
        .expect("the French text is in the bundle and checked");
    assert_eq!(fr_summary.language.as_deref(), Some("fr"));
    assert_eq!(fr_summary.name, "test-only-code-fr.md");
}

#[test]
fn acknowledging_a_version_the_meeting_did_not_offer_is_caught() {
    let s = signer(7);
    let fr = test_translation();
    let other = CodeDocument::new("other-fr.md", "fr", "# Autre texte\n\nNon proposé.\n").unwrap();
    let mut r = Recorder::open_translated(
        &s,
        rand_core::OsRng,
        HOST,
        meeting("m-translated"),
        CodeDocument::iso(),
        vec![fr],
        opened_at(),
    );
    r.check_in_shown(&attendee("fr"), &other, opened_at() + Duration::minutes(5))
        .expect("the check-in is recorded");
    // The unoffered text is attached too, so only the offer is at fault.
    r.translations.push(other);
    let report = verified(&mut r, &s);
    assert!(!report.valid);
    assert!(
        reasons(&report).contains("not a version the meeting statement offers"),
        "{}",
        reasons(&report)
    );
}

#[test]
fn a_check_in_claiming_another_language_than_its_version_is_caught() {
    let s = signer(7);
    let fr = test_translation();
    let mut r = Recorder::open_translated(
        &s,
        rand_core::OsRng,
        HOST,
        meeting("m-translated"),
        CodeDocument::iso(),
        vec![fr],
        opened_at(),
    );
    // Shown the English original, but the attestation says French.
    r.check_in_shown(
        &attendee("fr"),
        &CodeDocument::iso(),
        opened_at() + Duration::minutes(5),
    )
    .expect("the check-in is recorded");
    let report = verified(&mut r, &s);
    assert!(!report.valid);
    assert!(
        reasons(&report).contains("but the version it acknowledges is in \"en\""),
        "{}",
        reasons(&report)
    );
}

#[test]
fn a_meeting_statement_whose_versions_disagree_with_its_languages_is_caught() {
    let s = signer(7);
    let fr = test_translation();
    // Two versions in the same language.
    let mut fr2 = fr.clone();
    fr2.name = "second-fr.md".into();
    fr2.text.push_str("\nAutre.\n");
    let mut r = Recorder::open_translated(
        &s,
        rand_core::OsRng,
        HOST,
        meeting("m-translated"),
        CodeDocument::iso(),
        vec![fr, fr2],
        opened_at(),
    );
    let report = verified(&mut r, &s);
    assert!(!report.valid);
    assert!(
        reasons(&report).contains("lists the same Code version or language twice"),
        "{}",
        reasons(&report)
    );
}
