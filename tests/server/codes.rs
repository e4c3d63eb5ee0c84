//! Other Codes of Conduct can be loaded from a file and presented.

use serde_json::json;

use super::attendee;
use crate::support::http::Server;

#[test]
fn a_code_loaded_from_a_file_is_presented_and_attached_to_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    std::fs::write(
        dir.path().join("code-gt.md"),
        "# Code de conduite du groupe de travail\r\n\r\nNous nous respectons.\r\n\r\n\r\n",
    )
    .unwrap();
    let added = server.cli(&[
        "code",
        "add",
        "code-gt.md",
        "--language",
        "fr",
        "--data",
        "data",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let digest = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    // Normalised on import: LF line endings, one final newline.
    let normal = "# Code de conduite du groupe de travail\n\nNous nous respectons.\n";
    assert_eq!(
        digest,
        rollcall::trust::digest::Sha256Digest::of(normal.as_bytes()).to_hex()
    );
    let listed = String::from_utf8_lossy(&server.cli(&["code", "list", "--data", "data"]).stdout)
        .into_owned();
    assert!(
        listed.contains(&digest) && listed.contains("ISO Code of Conduct"),
        "{listed}"
    );

    let api = server.token("t");
    let meeting = |languages: Option<Vec<&str>>| {
        let mut body = json!({"title": "GT 3", "starts_at": "2020-01-01T09:00:00Z", "ends_at": "2099-01-01T09:00:00Z", "presence": "static", "code_sha256": digest});
        if let Some(l) = languages {
            body["languages"] = json!(l);
        }
        server.post_json("/api/v1/meetings", Some(&api), &body)
    };
    let wrong = meeting(Some(vec!["en"]));
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.text().contains("no translations loaded"),
        "{}",
        wrong.text()
    );
    let m = meeting(None);
    assert_eq!(m.status, 201, "{}", m.text());
    let m = m.json();
    assert_eq!(m["languages"], json!(["fr"]));
    let id = m["id"].as_str().unwrap();
    assert_eq!(
        server
            .post_json(
                &format!("/api/v1/meetings/{id}/open"),
                Some(&api),
                &json!({})
            )
            .status,
        200
    );
    let token = server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), &api)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // An English reader: the page is English, the Code section French.
    let page = server.get_with(&format!("/m/{id}?t={token}"), &[("accept-language", "en")]);
    assert!(page.text().contains("Nous nous respectons."));
    assert!(
        page.text()
            .contains(r#"aria-label="Code of Conduct" lang="fr""#),
        "{}",
        page.text()
    );
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &digest, 1),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        server
            .post_json(
                &format!("/api/v1/meetings/{id}/close"),
                Some(&api),
                &json!({})
            )
            .status,
        200
    );
    let bundle = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .json();
    assert_eq!(bundle["codes"], json!([normal]));

    std::fs::write(dir.path().join("empty.md"), "   \n").unwrap();
    let bad = server.cli(&["code", "add", "empty.md", "--data", "data"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("the Code document is empty"));
}

#[test]
fn the_code_s_training_programme_is_linked_from_the_agenda_and_the_public_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let iso = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("codes/iso-code-of-conduct.md");
    let iso = iso.to_str().unwrap();
    for (bad, says) in [
        (
            "javascript:alert(1)",
            "--training-url must be an https:// address, not a javascript: link",
        ),
        (
            "http://example.org/training",
            "--training-url must start with https://, not http://",
        ),
        (
            "example.org/training",
            "--training-url must be an https:// address",
        ),
    ] {
        let refused = server.cli(&["code", "add", iso, "--training-url", bad, "--data", "data"]);
        assert!(!refused.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{bad}: {stderr}");
    }
    // The bundled Code, given a link to its training: its digest is unchanged.
    let url = "https://example.org/code-of-conduct/training?course=(basics)";
    let added = server.cli(&["code", "add", iso, "--training-url", url, "--data", "data"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let digest = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    assert_eq!(
        digest,
        rollcall::trust::code::CodeDocument::iso().digest().to_hex(),
        "the link is not part of the Code's digest"
    );
    let listed = String::from_utf8_lossy(&server.cli(&["code", "list", "--data", "data"]).stdout)
        .into_owned();
    assert!(listed.contains(&format!("  training: {url}")), "{listed}");

    // The secretary's agenda snippets link it, next to the meeting's page.
    let (cookie, csrf) = super::console_tools::signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let made = server.post_form(
        "/console/meetings",
        &c,
        &[
            ("csrf", &csrf),
            ("title", "WG 11"),
            ("starts_at", "2026-12-01T09:00"),
            ("ends_at", "2026-12-01T17:00"),
            ("timezone", "Europe/Paris"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.text());
    let page = made.header("location").unwrap().to_owned();
    let id = page.rsplit('/').next().unwrap().to_owned();
    let html = server.get_with(&page, &c).text();
    let public = format!("{}/m/{id}", server.url.trim_end_matches('/'));
    let escaped = url.replace('&', "&amp;");
    assert!(
        html.contains(&format!(
            "&lt;a href=&quot;{public}&quot;&gt;WG 11: meeting page and Code of Conduct&lt;/a&gt; (&lt;a href=&quot;{}&quot;&gt;Training on this Code of Conduct&lt;/a&gt;)",
            escaped.replace('&', "&amp;")
        )),
        "HTML snippet: {html}"
    );
    assert!(
        html.contains(&format!(
            "[WG 11: meeting page and Code of Conduct]({public}) ([Training on this Code of Conduct](https://example.org/code-of-conduct/training?course=%28basics%29))"
        )),
        "Markdown snippet: {html}"
    );
    assert!(html.contains(&format!(r#"<a href="{escaped}">{escaped}</a>"#)));
    let fr = server
        .get_with(
            &page,
            &[("cookie", cookie.as_str()), ("accept-language", "fr")],
        )
        .text();
    assert!(fr.contains("Formation à ce Code de conduite"), "{fr}");

    // The meeting's public page links it, in the reader's language.
    let link = format!(r#"<p id="code-training"><a href="{escaped}">"#);
    let en = server.get(&format!("/m/{id}")).text();
    assert!(
        en.contains(&format!("{link}Training on this Code of Conduct</a>")),
        "{en}"
    );
    let fr = server
        .get_with(&format!("/m/{id}"), &[("accept-language", "fr")])
        .text();
    assert!(
        fr.contains(&format!("{link}Formation à ce Code de conduite</a>")),
        "{fr}"
    );

    // A Code without one has no such link.
    std::fs::write(dir.path().join("other.md"), "# Other Code\n\nBe kind.\n").unwrap();
    let other = server.cli(&["code", "add", "other.md", "--data", "data"]);
    let other = String::from_utf8_lossy(&other.stdout).trim().to_owned();
    let api = server.token("t");
    let m = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "Other", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z", "code_sha256": other}),
    );
    assert_eq!(m.status, 201, "{}", m.text());
    let page = server
        .get(&format!("/m/{}", m.json()["id"].as_str().unwrap()))
        .text();
    assert!(!page.contains("code-training"), "{page}");
}
