//! The printable list as a PDF: names in any script come out as text, and
//! the signed bundle attached to the very file circulated verifies.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use super::console_tools::signed_in;
use super::{eventually, open_meeting};
use crate::support::http::{output_within, Server};
use crate::support::{have, test_fonts};

/// Names as attendees write them: Arabic, Chinese, Devanagari, Cyrillic,
/// Greek, Hebrew and Latin with combining marks (stored in NFC).
pub const NAMES: [&str; 7] = [
    "محمد عبد الله",
    "王小明",
    "अनुराग शर्मा",
    "Ольга Иванова",
    "Νίκος Παπαδόπουλος",
    "דוד כהן",
    "Nguye\u{0302}\u{0303}n Thi\u{0323} A\u{0301}nh",
];

/// How long poppler may take to read a list.
const POPPLER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether poppler's `pdftotext` and `pdfinfo` are here to read PDFs back
/// (else the checks that read them are skipped, saying so once).
pub fn poppler() -> bool {
    have("pdftotext", "poppler-utils") && have("pdfinfo", "poppler-utils")
}

/// `pdftotext` (poppler-utils) output of a PDF, in reading layout.
pub fn pdf_text(pdf: &Path) -> String {
    let mut command = Command::new("pdftotext");
    command.args(["-enc", "UTF-8"]).arg(pdf).arg("-");
    let out = output_within(&mut command, POPPLER_TIMEOUT);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `pdfinfo` (poppler-utils) output for a PDF, with `flags` such as
/// `-meta` (the XMP metadata) or `-struct` (the tag tree).
pub fn pdfinfo(pdf: &Path, flags: &[&str]) -> String {
    let mut command = Command::new("pdfinfo");
    command.args(["-enc", "UTF-8"]).args(flags).arg(pdf);
    let out = output_within(&mut command, POPPLER_TIMEOUT);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One structure element of a tagged PDF, as `pdfinfo -struct` lists it.
#[derive(Debug)]
pub struct Element {
    pub depth: usize,
    /// The structure type: `H1`, `P`, `Table`, `TH`, …
    pub kind: String,
    /// Its attribute lines (`/Scope /Column`, …).
    pub attributes: Vec<String>,
}

/// The tag tree of a PDF, in reading order, from `pdfinfo -struct`;
/// empty when the PDF is not tagged.
pub fn structure(pdf: &Path) -> Vec<Element> {
    let mut out: Vec<Element> = Vec::new();
    for line in pdfinfo(pdf, &["-struct"]).lines() {
        let trimmed = line.trim_start();
        let depth = (line.len() - trimmed.len()) / 2;
        if trimmed.starts_with('/') {
            if let Some(e) = out.last_mut() {
                e.attributes.push(trimmed.to_owned());
            }
        } else if trimmed.starts_with(|c: char| c.is_ascii_uppercase()) {
            let kind = trimmed
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_owned();
            out.push(Element {
                depth,
                kind,
                attributes: Vec::new(),
            });
        }
    }
    out
}

/// The elements directly inside `tree[at]`, by index.
pub fn children(tree: &[Element], at: usize) -> Vec<usize> {
    let depth = tree[at].depth;
    (at + 1..tree.len())
        .take_while(|&i| tree[i].depth > depth)
        .filter(|&i| tree[i].depth == depth + 1)
        .collect()
}

/// Whether `text` shows `name`: as written, or (for right-to-left names,
/// which text extraction may give in visual order) with each word reversed.
pub fn shows(text: &str, name: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let name: String = name.nfc().collect();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let reversed: Vec<String> = name
        .split(' ')
        .rev()
        .map(|w| w.chars().rev().collect())
        .collect();
    flat.contains(&name)
        || name.split(' ').all(|w| flat.contains(w))
        || reversed.iter().all(|w| flat.contains(w.as_str()))
}

fn find(hay: &[u8], n: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(n.len())
        .position(|w| w == n)
        .map(|p| p + from)
}

/// Where the attached file's (compressed) data is: (start, length, where
/// its length is written).
fn attachment(pdf: &[u8]) -> (usize, usize, std::ops::Range<usize>) {
    let ef = find(pdf, b"/EmbeddedFile", 0).expect("an embedded file");
    let dict = pdf[..ef]
        .windows(3)
        .rposition(|w| w == b"obj")
        .expect("its object");
    let mut len_at = find(pdf, b"/Length", dict).unwrap() + 7;
    while pdf[len_at] == b' ' {
        len_at += 1;
    }
    let len_end = len_at
        + pdf[len_at..]
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap();
    let len: usize = std::str::from_utf8(&pdf[len_at..len_end])
        .unwrap()
        .parse()
        .unwrap();
    let mut data_at = find(pdf, b"stream", len_end).unwrap() + 6;
    if pdf[data_at] == b'\r' {
        data_at += 1;
    }
    data_at += 1;
    (data_at, len, len_at..len_end)
}

/// The PDF's attached bundle with one byte of its JSON changed (in an
/// attendee's disclosed field), re-compressed and put back with its new length.
fn with_altered_attachment(pdf: &[u8]) -> Vec<u8> {
    let (data_at, len, len_field) = attachment(pdf);
    let json = miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[data_at..data_at + len]).unwrap();
    let mut json = String::from_utf8(json).unwrap();
    // A character of the first disclosure (an attendee's salted field).
    let at = json
        .find("\"disclosures\":[\"")
        .expect("disclosures in the bundle")
        + 20;
    let new = if &json[at..=at] == "A" { "B" } else { "A" };
    json.replace_range(at..=at, new);
    let z = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 6);
    let mut out = pdf[..len_field.start].to_vec();
    out.extend_from_slice(z.len().to_string().as_bytes());
    out.extend_from_slice(&pdf[len_field.end..data_at]);
    out.extend_from_slice(&z);
    out.extend_from_slice(&pdf[data_at + len..]);
    out
}

#[test]
fn names_in_every_script_print_to_a_pdf_whose_attached_bundle_verifies() {
    let dir = tempfile::tempdir().unwrap();
    // The shipped subsets of Noto fonts, so that no system font is needed.
    let fonts = test_fonts();
    let fonts = fonts.to_str().expect("a UTF-8 path");
    let server = Server::start(dir.path(), &["--fonts", fonts]);
    let (cookie, _csrf) = signed_in(&server);
    let api = server.token("printer");
    let (id, token, code) = open_meeting(&server, &api, "static");
    for (n, name) in NAMES.iter().enumerate() {
        let mut body = json!({
            "token": token,
            "name": name,
            "organization": "Standards Body 標準",
            "country": "CH / SNV",
            "role": "delegate",
            "acknowledged": true,
            "code_sha256": code,
        });
        if n % 2 == 0 {
            body["email"] = json!(format!("a{n}@example.org"));
        }
        let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, &body);
        assert_eq!(r.status, 201, "{}", r.text());
    }
    assert!(eventually(|| server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text()
        .lines()
        .count()
        == NAMES.len() + 1));

    // The secretary downloads the list from the console.
    let r = server.get_with(
        &format!("/console/meetings/{id}/list.pdf"),
        &[("cookie", &cookie)],
    );
    assert_eq!(
        r.status,
        200,
        "{}\n{:?}",
        r.text(),
        server.output.lock().map(|o| o.clone())
    );
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment;") && d.contains(".pdf")));
    assert!(r.body.starts_with(b"%PDF-"));
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &[("cookie", &cookie)])
        .text();
    assert!(page.contains(&format!("/console/meetings/{id}/list.pdf")));
    // Without a login there is no list.
    assert_ne!(
        server
            .get(&format!("/console/meetings/{id}/list.pdf"))
            .status,
        200
    );
    let list = dir.path().join("list.pdf");
    std::fs::write(&list, &r.body).unwrap();

    // Every name is in the PDF as text.
    if poppler() {
        let text = pdf_text(&list);
        for name in NAMES {
            assert!(shows(&text, name), "{name} missing from:\n{text}");
        }
        for needle in [
            "Attendance list: ISO/TC 46 plenary",
            "Annex: the Code of Conduct acknowledged",
            "attendance-bundle.json",
            "page 1 of",
            "Europe/Zurich",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
    }

    // An auditor checks that very file.
    let key = server.public_key();
    let v = server.cli(&["verify", "list.pdf", "--key", &key]);
    let out = String::from_utf8_lossy(&v.stdout);
    assert!(
        v.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(out.contains("attachment attendance-bundle.json"), "{out}");
    assert!(
        out.contains(&format!("{} check-in(s)", NAMES.len())),
        "{out}"
    );
    // The same list over the API verifies too.
    let r = server.get_auth(&format!("/api/v1/meetings/{id}/attendance.pdf"), &api);
    assert_eq!(r.status, 200);
    std::fs::write(dir.path().join("api.pdf"), &r.body).unwrap();
    assert!(server
        .cli(&["verify", "api.pdf", "--key", &key])
        .status
        .success());

    // One byte of a name changed in the attachment: the list fails.
    std::fs::write(
        dir.path().join("altered.pdf"),
        with_altered_attachment(&r.body),
    )
    .unwrap();
    let v = server.cli(&["verify", "altered.pdf", "--key", &key]);
    assert!(!v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).contains("INVALID"));
    // One byte of the compressed attachment flipped: it cannot be read.
    let mut flipped = r.body.clone();
    let (data, len, _) = attachment(&flipped);
    flipped[data + len / 2] ^= 0x01;
    std::fs::write(dir.path().join("flipped.pdf"), &flipped).unwrap();
    let v = server.cli(&["verify", "flipped.pdf", "--key", &key]);
    assert!(!v.status.success());
    // A PDF that is not a rollcall list says what to do.
    std::fs::write(
        dir.path().join("plain.pdf"),
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
    )
    .unwrap();
    let v = server.cli(&["verify", "plain.pdf"]);
    assert!(!v.status.success());
    assert!(String::from_utf8_lossy(&v.stderr).contains("rollcall export MEETING --format pdf"));

    // The CLI exports the same list as HTML and PDF from the database.
    for (format, file) in [("html", "list.html"), ("pdf", "cli.pdf")] {
        let out = server.cli(&[
            "export", &id, "--format", format, "-o", file, "--data", "data", "--keys", "keys",
            "--fonts", fonts,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let html = std::fs::read_to_string(dir.path().join("list.html")).unwrap();
    assert!(NAMES.iter().all(|n| {
        use unicode_normalization::UnicodeNormalization;
        html.contains(&n.nfc().collect::<String>())
    }));
    let v = server.cli(&["verify", "cli.pdf", "--key", &key]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    if poppler() {
        assert!(shows(&pdf_text(&dir.path().join("cli.pdf")), NAMES[1]));
    }
}

#[test]
fn a_french_secretary_prints_the_list_in_french_and_it_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, _csrf) = signed_in(&server);
    let api = server.token("printer");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &json!({
            "token": token, "name": "Amélie Durand", "organization": "AFNOR",
            "country": "FR / AFNOR", "role": "head-of-delegation",
            "acknowledged": true, "code_sha256": code,
        }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(eventually(|| server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text()
        .lines()
        .count()
        == 2));

    // The printable page follows the language switch.
    let html = server
        .get_with(
            &format!("/console/meetings/{id}/list?lang=fr"),
            &[("cookie", &cookie)],
        )
        .text();
    assert!(html.contains("lang=\"fr\""), "{html}");
    assert!(html.contains("Liste de présence"), "{html}");
    assert!(html.contains("Chef de délégation"), "{html}");

    // So does the PDF, chosen by the browser's language.
    let r = server.get_with(
        &format!("/console/meetings/{id}/list.pdf"),
        &[("cookie", &cookie), ("accept-language", "fr-FR,fr;q=0.9")],
    );
    assert_eq!(r.status, 200);
    let list = dir.path().join("liste.pdf");
    std::fs::write(&list, &r.body).unwrap();
    if poppler() {
        let text = pdf_text(&list);
        for needle in ["Liste de présence", "Amélie Durand", "page 1 sur"] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        // A screen reader reads it as French.
        assert!(pdfinfo(&list, &[])
            .lines()
            .any(|l| l == "Tagged:          yes"));
    }
    assert!(find(&r.body, b"/Lang(fr)", 0).is_some());
    let key = server.public_key();
    assert!(server
        .cli(&["verify", "liste.pdf", "--key", &key])
        .status
        .success());

    // The command line takes the language as an option and names the ones
    // it knows when given another.
    let out = server.cli(&[
        "export",
        &id,
        "--format",
        "html",
        "--language",
        "fr",
        "-o",
        "liste.html",
        "--data",
        "data",
        "--keys",
        "keys",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("liste.html")).unwrap();
    assert!(html.contains("Liste de présence"));
    let out = server.cli(&[
        "export",
        &id,
        "--format",
        "pdf",
        "--language",
        "xx",
        "-o",
        "x.pdf",
        "--data",
        "data",
        "--keys",
        "keys",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"xx\"") && err.contains("en, fr"), "{err}");
}
