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
