//! `rollcall verify` on real files: verdicts, reports and exit codes.

use crate::support::{bundle, recorded_meeting, rollcall, signer, text, write_json};

#[test]
fn verify_accepts_a_bundle_with_the_pinned_key_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(5);
    let path = write_json(dir.path(), "list.json", &bundle(&s, 3));
    let key = s.public().to_base64();
    let out = rollcall(
        &["verify", path.to_str().unwrap(), "--key", &key],
        dir.path(),
    );
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(report.starts_with("VALID bundle"));
    assert!(report.contains("ISO/TC 46 plenary"));
    assert!(report.contains("ISO Code of Conduct for the technical work"));
    assert!(report.contains("3 check-in(s)"));
    assert!(report.contains("pinned with --key"));
    assert!(!text(&out.stderr).contains("NO KEY PINNED"));
}

#[test]
fn verify_without_a_key_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "list.json", &bundle(&signer(5), 1));
    let out = rollcall(&["verify", path.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("WARNING: NO KEY PINNED"));
}

#[test]
fn verify_rejects_a_tampered_bundle_naming_the_place_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(5);
    let mut b = bundle(&s, 3);
    b.entries[2].disclosures[0] = b.entries[3].disclosures[0].clone();
    let path = write_json(dir.path(), "list.json", &b);
    let out = rollcall(
        &[
            "verify",
            path.to_str().unwrap(),
            "--key",
            &s.public().to_base64(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.starts_with("INVALID bundle"));
    assert!(
        report.contains("entries[2].disclosures[0]: matches none of the signed commitments"),
        "{report}"
    );
}

#[test]
fn verify_json_output_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(5);
    let path = write_json(dir.path(), "list.json", &bundle(&s, 2));
    let out = rollcall(
        &[
            "verify",
            path.to_str().unwrap(),
            "--key",
            &s.public().to_base64(),
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["attestations"], 2);
    assert_eq!(v["attendees"][1]["fields"]["name"], "Attendee 1");
}

#[test]
fn verify_accepts_a_key_file_and_rejects_the_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(5);
    let path = write_json(dir.path(), "list.json", &bundle(&s, 1));
    let keyfile = dir.path().join("trusted.pub");
    std::fs::write(&keyfile, format!("# our server\n{}\n", s.public())).unwrap();
    let ok = rollcall(
        &[
            "verify",
            path.to_str().unwrap(),
            "--key",
            keyfile.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let wrong = signer(6).public().to_base64();
    let bad = rollcall(
        &["verify", path.to_str().unwrap(), "--key", &wrong],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stdout).contains("checkpoint"));
}

#[test]
fn verify_checks_a_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let s = signer(5);
    let mut rec = recorded_meeting(&s, "m-r", 2, false);
    rec.checkpoint();
    let path = write_json(dir.path(), "receipt.json", &rec.receipt(1).unwrap());
    let out = rollcall(
        &[
            "verify",
            path.to_str().unwrap(),
            "--key",
            &s.public().to_base64(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("VALID receipt"));
}

#[test]
fn unreadable_files_and_bad_keys_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = rollcall(&["verify", "nope.json"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read nope.json"));

    std::fs::write(dir.path().join("junk.json"), "not json").unwrap();
    let junk = rollcall(&["verify", "junk.json"], dir.path());
    assert_eq!(junk.status.code(), Some(2));
    assert!(text(&junk.stderr).contains("not JSON"));

    std::fs::write(
        dir.path().join("other.json"),
        r#"{"format":"something-else"}"#,
    )
    .unwrap();
    let other = rollcall(&["verify", "other.json"], dir.path());
    assert_eq!(other.status.code(), Some(2));
    assert!(text(&other.stderr).contains("not a rollcall bundle or receipt"));

    let path = write_json(dir.path(), "list.json", &bundle(&signer(5), 1));
    let badkey = rollcall(
        &["verify", path.to_str().unwrap(), "--key", "abc"],
        dir.path(),
    );
    assert_eq!(badkey.status.code(), Some(2));
    assert!(text(&badkey.stderr).contains("neither a public key"));

    let usage = rollcall(&["verify"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn a_receipt_fetched_before_its_checkpoint_is_pending_not_invalid() {
    let s = signer(31);
    let mut rec = recorded_meeting(&s, "m-pending", 3, false);
    let dir = tempfile::tempdir().unwrap();
    let key = s.public().to_base64();
    // Entry 3 is signed but no checkpoint covers it yet.
    write_json(dir.path(), "pending.json", &rec.receipt(3).unwrap());
    let out = rollcall(&["verify", "pending.json", "--key", &key], dir.path());
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(shown.starts_with("PENDING receipt"), "{shown}");
    assert!(shown.contains("signed, not yet in a checkpoint"), "{shown}");
    let json = rollcall(
        &["verify", "pending.json", "--key", &key, "--json"],
        dir.path(),
    );
    assert_eq!(json.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (report["valid"].as_bool(), report["pending"].as_bool()),
        (Some(false), Some(true))
    );
    // Under another key it is invalid, not pending.
    let out = rollcall(
        &[
            "verify",
            "pending.json",
            "--key",
            &signer(32).public().to_base64(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // Fetched again once a checkpoint covers it: valid.
    rec.checkpoint();
    write_json(dir.path(), "proven.json", &rec.receipt(3).unwrap());
    let out = rollcall(&["verify", "proven.json", "--key", &key], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn verify_page_writes_one_self_contained_file_that_connects_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = rollcall(&["verify", "--page", "page.html"], dir.path());
    if !rollcall::verify_page::available() {
        // Built without the wasm32 target: the command says how to fix it.
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("rustup target add wasm32-unknown-unknown"));
        crate::support::missing(
            "the wasm32-unknown-unknown Rust target (rustup target add wasm32-unknown-unknown)",
        );
        return;
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert!(page.len() <= 1 << 20, "the page is {} bytes", page.len());
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(page.contains("connect-src 'none'"));
    // Nothing is loaded from anywhere: no src or href to another file.
    assert!(!page.contains(" src="), "the page loads nothing");
    assert!(!page.contains("http://") && !page.contains("https://"));
    // The WebAssembly inside is the verifier this binary was built with.
    let b64 = page
        .split("<script type=\"application/octet-stream\" id=\"wasm\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the page embeds the verifier");
    use base64::Engine as _;
    let wasm = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(wasm.starts_with(b"\0asm"));
    assert_eq!(wasm, rollcall::verify_page::WASM);

    let fr = rollcall(
        &["verify", "--page", "page-fr.html", "--language", "fr"],
        dir.path(),
    );
    assert!(fr.status.success());
    assert!(std::fs::read_to_string(dir.path().join("page-fr.html"))
        .unwrap()
        .contains("<html lang=\"fr\">"));
    let bad = rollcall(
        &["verify", "--page", "x.html", "--language", "xx"],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("is not one of rollcall's languages (en, fr)"));
    assert!(!dir.path().join("x.html").exists());
}

/// A list, receipt and PDF written by the release before consent and
/// erasure (bundle/v1, receipt/v1, check-in/v1), kept with the trust
/// crate's vectors.
fn v1_list(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("trust/tests/vectors/v1-list")
        .join(file)
}

#[test]
fn lists_signed_before_consent_and_erasure_still_verify() {
    let key = std::fs::read_to_string(v1_list("key.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for file in ["bundle.json", "receipt.json", "list.pdf"] {
        let out = rollcall(
            &[
                "verify",
                v1_list(file).to_str().unwrap(),
                "--key",
                key.trim(),
            ],
            dir.path(),
        );
        let shown = text(&out.stdout);
        assert!(out.status.success(), "{file}: {shown}");
        assert!(shown.contains("VALID"), "{file}: {shown}");
    }
}
