//! PDF list benchmark.
//!
//! `cargo bench --bench list_pdf` records a closed meeting with N check-ins
//! (default 1,000; set `ROLLCALL_BENCH_N`) whose names cycle through Latin,
//! Cyrillic, Greek, Arabic, Hebrew, Devanagari and Chinese, then times the
//! printable list as PDF (layout, shaping with system fonts, subsetting,
//! the bundle attached) and prints the time, the pages and the size.
//! Set `ROLLCALL_BENCH_OUT=FILE` to keep the PDF.

use std::time::Instant;

use rollcall::export::fonts::FontLibrary;
use rollcall::export::ListText;
use rollcall::trust::code::CodeDocument;
use rollcall::trust::keys::Signer;
use rollcall::trust::recorder::{CheckIn, Recorder};
use rollcall::trust::statement::{Meeting, Presence};
use time::macros::datetime;
use time::Duration;

const NAMES: [&str; 7] = [
    "Ana María Pérez",
    "Ольга Иванова",
    "Νίκος Παπαδόπουλος",
    "محمد عبد الله",
    "דוד כהן",
    "अनुराग शर्मा",
    "王小明",
];

fn main() {
    let n: usize = std::env::var("ROLLCALL_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let signer = Signer::from_seed(&[9; 32]);
    let opened = datetime!(2026-12-01 07:55 UTC);
    let mut r = Recorder::open(
        &signer,
        rand_core::OsRng,
        "rollcall.bench",
        Meeting {
            id: "m-bench".into(),
            title: "ISO/TC 46 plenary".into(),
            committee: "ISO/TC 46".into(),
            location: "Geneva".into(),
            starts_at: datetime!(2026-12-01 09:00 +01:00),
            ends_at: datetime!(2026-12-01 17:00 +01:00),
            timezone: "Europe/Zurich".into(),
        },
        CodeDocument::iso(),
        vec!["en".into()],
        opened,
    );
    for i in 0..n {
        let now = opened + Duration::seconds(i as i64);
        let name = format!("{} {i}", NAMES[i % NAMES.len()]);
        r.check_in(
            &CheckIn {
                name: &name,
                organization: "Example Standards Body",
                country: "CH / SNV",
                email: None,
                role: "delegate",
                presence: Presence::StaticLink,
                language: "en",
                share_email: false,
            },
            now,
        )
        .expect("the check-in is recorded");
    }
    r.notes(
        "secretary@example.org",
        "The convenor presented the Code of Conduct.\nNo questions; one delegate asked for the French text, which was circulated.",
        opened + Duration::hours(8),
    );
    r.close(opened + Duration::hours(9));
    let bundle = r.bundle();
    let report = rollcall::export::verified(&bundle, &[*signer.public()]);
    assert!(report.valid, "the benchmark's bundle verifies");
    let json = serde_json::to_vec(&bundle).expect("bundle JSON");

    let t = Instant::now();
    let fonts = FontLibrary::new(None, true);
    let scan = t.elapsed();
    let t = Instant::now();
    let pdf = rollcall::export::list_pdf(
        &bundle,
        &report,
        &json,
        &ListText::english(),
        &fonts,
        time::OffsetDateTime::now_utc(),
    )
    .expect("PDF written");
    let took = t.elapsed();
    let pages = pdf
        .windows(11)
        .filter(|w| &w[..10] == b"/Type/Page" && w[10] != b's')
        .count();
    println!(
        "list_pdf: {n} attendees, {pages} pages, {:.2} MB PDF (bundle {:.2} MB attached), {:.2}s to write (+{:.2}s font scan)",
        pdf.len() as f64 / 1e6,
        json.len() as f64 / 1e6,
        took.as_secs_f64(),
        scan.as_secs_f64()
    );
    if let Some(out) = std::env::var_os("ROLLCALL_BENCH_OUT") {
        std::fs::write(out, &pdf).expect("write the PDF");
    }
}
