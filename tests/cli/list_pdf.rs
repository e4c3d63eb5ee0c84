//! The PDF list made from a bundle: a withheld field reads "withheld", the
//! bundle attached is byte for byte the one given, and the list is a tagged
//! PDF a screen reader can follow.

use std::path::Path;

use rollcall::export::fonts::FontLibrary;
use rollcall::export::ListText;
use rollcall::trust::disclosure::Disclosure;
use rollcall::trust::pdf_attachment::extract_bundle;

use crate::server::list_pdf::{children, pdf_text, pdfinfo, poppler, structure, NAMES};
use crate::support::{bundle, missing, rollcall, signer, test_fonts, text};

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
    if poppler() {
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
    }

    let out = rollcall(
        &["verify", "list.pdf", "--key", &s.public().to_base64()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("1 with withheld fields"));
}

/// The list of a bundle printed to `dir/file`, as the PDF's bytes.
fn print(
    b: &rollcall::trust::bundle::Bundle,
    report: &rollcall::trust::verify::Report,
    text: &ListText,
    fonts: &FontLibrary,
    path: &Path,
) -> Vec<u8> {
    let json = serde_json::to_vec(b).unwrap();
    let pdf = rollcall::export::list_pdf(
        b,
        report,
        &json,
        text,
        fonts,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap_or_else(|e| panic!("the list is written: {e}"));
    std::fs::write(path, &pdf).unwrap();
    pdf
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_screen_reader_user_finds_the_attendance_list_as_a_table_with_headers() {
    let s = signer(22);
    // Enough attendees for the table to run over several pages.
    let b = bundle(&s, 60);
    let report = rollcall::export::verified(&b, &[*s.public()]);
    assert!(report.valid, "{:?}", report.failures);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.pdf");
    let pdf = print(
        &b,
        &report,
        &ListText::english(),
        &FontLibrary::new(None, true),
        &path,
    );
    // The very file verifies.
    let out = rollcall(
        &["verify", "list.pdf", "--key", &s.public().to_base64()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    if !poppler() {
        return;
    }

    // Tagged, titled, and claiming PDF/UA-1 and PDF/A-3a.
    let info = pdfinfo(&path, &[]);
    assert!(info.lines().any(|l| l == "Tagged:          yes"), "{info}");
    assert!(
        info.contains("Title:           Attendance list: ISO/TC 46 plenary"),
        "{info}"
    );
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    let meta = pdfinfo(&path, &["-meta"]);
    for claim in [
        "<pdfuaid:part>1</pdfuaid:part>",
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<dc:language><rdf:Bag><rdf:li>en</rdf:li></rdf:Bag></dc:language>",
    ] {
        assert!(meta.contains(claim), "{claim} missing from:\n{meta}");
    }
    assert!(
        contains(&pdf, "/Lang(en)"),
        "the catalog gives the language"
    );
    assert!(
        contains(&pdf, "/DisplayDocTitle true"),
        "viewers show the title"
    );

    // The title first, then one table: a header row of column headers,
    // then one row per attendee, however many pages it spans.
    let tree = structure(&path);
    let kinds: Vec<&str> = tree.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"Document"), "{kinds:?}");
    assert_eq!(kinds.get(1), Some(&"H1"), "{kinds:?}");
    let tables: Vec<usize> = (0..tree.len()).filter(|&i| kinds[i] == "Table").collect();
    assert_eq!(tables.len(), 1, "one table: {kinds:?}");
    let parts = children(&tree, tables[0]);
    let part_kinds: Vec<&str> = parts.iter().map(|&i| kinds[i]).collect();
    assert_eq!(part_kinds, ["THead", "TBody"]);
    let header_rows = children(&tree, parts[0]);
    assert_eq!(header_rows.len(), 1, "the header is in the table once");
    let headers = children(&tree, header_rows[0]);
    assert_eq!(headers.len(), 8);
    for &th in &headers {
        assert_eq!(kinds[th], "TH");
        assert!(
            tree[th].attributes.iter().any(|a| a == "/Scope /Column"),
            "{:?}",
            tree[th]
        );
    }
    let rows = children(&tree, parts[1]);
    assert_eq!(rows.len(), report.attendees.len(), "one row per attendee");
    for &tr in &rows {
        assert_eq!(kinds[tr], "TR");
        let cells = children(&tree, tr);
        assert_eq!(cells.len(), 8);
        assert!(cells.iter().all(|&c| kinds[c] == "TD"));
    }
    assert_eq!(kinds.iter().filter(|k| **k == "TH").count(), 8);

    // The header repeated on later pages and the page footers are shown
    // but are not part of what is read out.
    assert!(pages > 1, "the table spans pages");
    let shown = pdf_text(&path);
    assert!(shown.matches("Attestation").count() > 1, "{shown}");
    let read = pdfinfo(&path, &["-struct-text"]);
    assert_eq!(read.matches("\"Attestation\"").count(), 1, "{read}");
    assert!(shown.contains("page 1 of") && !read.contains("page 1 of"));
    assert!(read.contains("\"Attendee 59\""), "{read}");

    // Sections, the QR code as a figure that says what it holds, and the
    // Code's lists.
    assert!(kinds.contains(&"H2"));
    assert!(kinds.contains(&"Figure"));
    assert!(
        contains(
            &pdf,
            "/Alt(QR code with the checkpoint to verify this list: rollcall-list; origin="
        ),
        "the QR code's text alternative"
    );
    for k in ["Sect", "L", "LI", "Lbl", "LBody"] {
        assert!(kinds.contains(&k), "{k} missing: {kinds:?}");
    }
}

#[test]
fn a_screen_reader_reads_a_french_list_in_french() {
    let s = signer(23);
    let b = bundle(&s, 2);
    let report = rollcall::export::verified(&b, &[*s.public()]);
    let french = ListText::for_language(rollcall::i18n::Lang::get("fr").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("liste.pdf");
    let pdf = print(&b, &report, &french, &FontLibrary::new(None, true), &path);
    assert!(contains(&pdf, "/Lang(fr)"), "the catalog says French");
    // The Code in the annex is the English one, and says so.
    assert!(
        contains(&pdf, "/Lang(en)"),
        "the English annex says English"
    );
    if !poppler() {
        return;
    }
    let meta = pdfinfo(&path, &["-meta"]);
    assert!(
        meta.contains("<dc:language><rdf:Bag><rdf:li>fr</rdf:li></rdf:Bag></dc:language>"),
        "{meta}"
    );
    assert!(
        pdfinfo(&path, &[]).contains("Title:           Liste de présence"),
        "the title is the French one"
    );
    assert_eq!(structure(&path)[1].kind, "H1");
    let read = pdfinfo(&path, &["-struct-text"]);
    assert!(
        read.contains("\"Liste de présence : ISO/TC 46 plenary\""),
        "{read}"
    );
}

#[test]
fn a_name_no_font_has_still_prints_as_its_code_points_in_the_accessible_pdf() {
    let s = signer(24);
    let b = bundle(&s, 2);
    let mut report = rollcall::export::verified(&b, &[*s.public()]);
    report.attendees[0]
        .fields
        .insert("name".into(), "王小明".into());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.pdf");
    // Only the built-in font: it has no Chinese.
    print(
        &b,
        &report,
        &ListText::english(),
        &FontLibrary::new(None, false),
        &path,
    );
    if !poppler() {
        return;
    }
    let shown = pdf_text(&path);
    assert!(shown.contains("[U+738B][U+5C0F][U+660E]"), "{shown}");
    let read = pdfinfo(&path, &["-struct-text"]);
    assert!(read.contains("\"[U+738B][U+5C0F][U+660E]\""), "{read}");
}

#[test]
fn the_shipped_test_fonts_and_an_operators_system_fonts_cover_every_script_of_the_names() {
    // The tests' own subsets cover every name, so the PDF tests need no
    // system fonts.
    let shipped = FontLibrary::new(Some(&test_fonts()), false);
    let uncovered = |lib: &FontLibrary| -> Vec<char> {
        NAMES
            .iter()
            .flat_map(|n| n.chars())
            .filter(|c| !c.is_whitespace() && lib.source_of(*c).is_none())
            .collect()
    };
    assert_eq!(uncovered(&shipped), Vec::<char>::new());
    // A server with Debian's Noto packages finds them by itself.
    let system = FontLibrary::new(None, true);
    if uncovered(&system).is_empty() {
        assert!(system
            .source_of('王')
            .is_some_and(|s| s.contains("NotoSansCJK")));
    } else {
        missing("system Noto fonts for Arabic, Hebrew, Devanagari and CJK (Debian packages fonts-noto-core, fonts-noto-cjk)");
    }
}

#[test]
fn a_list_re_saved_with_compressed_object_streams_still_verifies() {
    let s = signer(23);
    let b = bundle(&s, 4);
    let report = rollcall::export::verified(&b, &[*s.public()]);
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("list.pdf");
    let pdf = print(
        &b,
        &report,
        &ListText::english(),
        &FontLibrary::new(None, true),
        &original,
    );
    if !crate::support::have("qpdf", "qpdf") {
        return;
    }
    // What a common tool makes of the list when it saves it again: the
    // file specification packed into a compressed object stream and an
    // xref stream instead of the xref table.
    let resaved = dir.path().join("re-saved.pdf");
    let out = crate::support::http::output_within(
        std::process::Command::new("qpdf")
            .arg("--object-streams=generate")
            .arg(&original)
            .arg(&resaved),
        crate::support::http::COMMAND_TIMEOUT,
    );
    assert!(out.status.success(), "qpdf: {}", text(&out.stderr));
    let bytes = std::fs::read(&resaved).unwrap();
    assert_ne!(bytes, pdf);
    assert!(contains(&bytes, "/ObjStm"), "qpdf packed objects");
    assert_eq!(
        extract_bundle(&bytes).unwrap(),
        serde_json::to_vec(&b).unwrap()
    );
    let out = rollcall(
        &["verify", "re-saved.pdf", "--key", &s.public().to_base64()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("bundle taken from the PDF"));
}
