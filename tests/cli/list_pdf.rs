//! The PDF list made from a bundle: a withheld field reads "withheld", and
//! the bundle attached is byte for byte the one given.

use rollcall::export::fonts::FontLibrary;
use rollcall::export::ListText;
use rollcall::trust::disclosure::Disclosure;
use rollcall::trust::pdf_attachment::extract_bundle;

use crate::server::list_pdf::pdf_text;
use crate::support::{bundle, rollcall, signer, text};

#[test]
fn a_withheld_field_prints_as_withheld_and_the_pdf_still_verifies() {
    let s = signer(21);
    let mut b = bundle(&s, 3);
    // Attendee 1 had their organisation erased: its disclosure is gone,
    // its commitment stays signed.
    let entry = b
        .entries
        .iter_mut()
        .find(|e| {
            e.disclosures
                .iter()
                .any(|d| Disclosure::parse(d).is_ok_and(|d| d.value == "Attendee 1"))
        })
        .expect("attendee 1");
    entry
        .disclosures
        .retain(|d| Disclosure::parse(d).is_ok_and(|d| d.field != "organization"));
    let report = rollcall::export::verified(&b, &[*s.public()]);
    assert!(report.valid, "{:?}", report.failures);
    assert_eq!(report.attendees[1].withheld, ["organization"]);

    let json = serde_json::to_vec(&b).unwrap();
    let pdf = rollcall::export::list_pdf(
        &b,
        &report,
        &json,
        &ListText::english(),
        &FontLibrary::new(None, true),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(extract_bundle(&pdf).unwrap(), json);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let shown = pdf_text(&path);
    let row = shown
        .lines()
        .find(|l| l.contains("Attendee 1"))
        .unwrap_or_default()
        .to_owned();
    let rows_with_withheld = shown.matches("withheld").count();
    assert!(
        row.contains("withheld") || rows_with_withheld == 1,
        "the erased organisation reads withheld:\n{shown}"
    );
    assert_eq!(
        shown.matches("Example Standards Body").count(),
        2,
        "the others' organisations are shown:\n{shown}"
    );

    let out = rollcall(
        &["verify", "list.pdf", "--key", &s.public().to_base64()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("1 with withheld fields"));
}
