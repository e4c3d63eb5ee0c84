//! Attendees see where to raise a concern: the meeting's contact, else the
//! operator's default. It is never signed.

use serde_json::json;

use super::console_tools::signed_in;
use super::{attendee, eventually};
use crate::support::http::Server;

fn meeting(server: &Server, api: &str, contact: Option<&str>) -> serde_json::Value {
    let mut body = json!({
        "title": "ISO/TC 37 plenary",
        "starts_at": "2020-01-01T09:00:00Z",
        "ends_at": "2099-01-01T09:00:00Z",
        "presence": "static",
    });
    if let Some(c) = contact {
        body["concern_contact"] = json!(c);
    }
    let r = server.post_json("/api/v1/meetings", Some(api), &body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// Opens a meeting; returns its check-in token.
fn open(server: &Server, api: &str, id: &str) -> String {
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/open"),
        Some(api),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), api)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The "Raise a concern" paragraph of a page, if it has one.
fn concern(page: &str) -> Option<&str> {
    let at = page.find(r#"id="raise-concern""#)?;
    let rest = &page[at..];
    Some(&rest[..rest.find("</p>").unwrap()])
}

#[test]
fn attendee_sees_how_to_raise_a_concern() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--concern-url", "https://example.org/misconduct-procedure"],
    );
    let api = server.token("t");
    // The meeting's own contact, an email shown as a mailto: link.
    let m = meeting(&server, &api, Some("Conduct@Example.ORG"));
    assert_eq!(m["concern_contact"], json!("mailto:Conduct@example.org"));
    let id = m["id"].as_str().unwrap();
    let token = open(&server, &api, id);
    let code = m["code_sha256"].as_str().unwrap();

    let own = r#"<a href="mailto:Conduct@example.org">Raise a concern</a>"#;
    let checkin = server.get(&format!("/m/{id}?t={token}")).text();
    assert!(
        concern(&checkin).is_some_and(|p| p.contains(own)),
        "{checkin}"
    );
    let public = server.get(&format!("/m/{id}")).text();
    assert!(
        concern(&public).is_some_and(|p| p.contains(own)),
        "{public}"
    );
    let fr = server
        .get_with(&format!("/m/{id}?t={token}"), &[("accept-language", "fr")])
        .text();
    assert!(
        concern(&fr).is_some_and(|p| p
            .contains(r#"<a href="mailto:Conduct@example.org">Signaler une préoccupation</a>"#)),
        "{fr}"
    );

    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, code, 1),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let receipt = r.json()["receipt_id"].as_str().unwrap().to_owned();
    let page = server.get(&format!("/r/{receipt}")).text();
    assert!(concern(&page).is_some_and(|p| p.contains(own)), "{page}");
    let page = server.get(&format!("/r/{receipt}?lang=fr")).text();
    assert!(concern(&page).is_some_and(|p| p.contains("Signaler une préoccupation")));

    // Not signed: neither the receipt nor the signed list carries it.
    assert!(eventually(|| server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .status
        == 200));
    let bundle = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .text();
    let receipt_file = server.get(&format!("/api/v1/receipts/{receipt}")).text();
    for signed in [&bundle, &receipt_file] {
        assert!(!signed.to_lowercase().contains("conduct@example.org"));
    }

    // A meeting without one links to the operator's default.
    let other = meeting(&server, &api, None);
    assert_eq!(other["concern_contact"], json!(null));
    let other_id = other["id"].as_str().unwrap();
    let public = server.get(&format!("/m/{other_id}")).text();
    assert!(
        concern(&public).is_some_and(|p| p
            .contains(r#"<a href="https://example.org/misconduct-procedure">Raise a concern</a>"#)),
        "{public}"
    );
}

#[test]
fn without_any_contact_attendee_pages_have_no_concern_link() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let m = meeting(&server, &api, Some(""));
    assert_eq!(m["concern_contact"], json!(null), "empty is none");
    let id = m["id"].as_str().unwrap();
    let token = open(&server, &api, id);
    assert!(concern(&server.get(&format!("/m/{id}")).text()).is_none());
    assert!(concern(&server.get(&format!("/m/{id}?t={token}")).text()).is_none());
}

#[test]
fn a_concern_contact_that_is_not_https_or_email_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    for (bad, says) in [
        (
            "javascript:alert(document.cookie)",
            "not a javascript: link",
        ),
        ("http://example.org/conduct", "not http://"),
        ("data:text/html,hi", "not a data: link"),
        ("the secretary", "an https:// address or an email address"),
        ("mailto:a@example.org?subject=x", "one email address"),
    ] {
        let r = server.post_json(
            "/api/v1/meetings",
            Some(&api),
            &json!({"title": "T", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z", "concern_contact": bad}),
        );
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        let e = &r.json()["error"];
        assert_eq!(e["code"], "invalid_fields");
        assert_eq!(e["fields"][0]["field"], "concern_contact");
        let message = e["fields"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("Contact for concerns must") && message.contains(says),
            "{bad}: {message}"
        );
    }
    let listed = server.get_auth("/api/v1/meetings", &api).json();
    assert_eq!(listed["meetings"], json!([]), "nothing was created");

    // The operator's default is checked at start, with the same rules.
    let (code, stderr) = Server::refused(dir.path(), &["--concern-url", "javascript:alert(1)"]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("--concern-url must be an https:// address or an email address"),
        "{stderr}"
    );
}

#[test]
fn a_secretary_sets_the_concern_contact_on_the_meeting_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let form = |contact: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", "WG 11".to_owned()),
            ("starts_at", "2026-12-01T09:00".to_owned()),
            ("ends_at", "2026-12-01T17:00".to_owned()),
            ("timezone", "Europe/Paris".to_owned()),
            ("concern_contact", contact.to_owned()),
        ]
    };
    let send = |path: &str, fields: &[(&str, String)]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        server.post_form(path, &c, &fields)
    };
    let console = server.get_with("/console", &c).text();
    assert!(console.contains(r#"<label for="concern_contact">Contact for concerns"#));

    let refused = send("/console/meetings", &form("javascript:alert(1)"));
    assert_eq!(refused.status, 422);
    let page = refused.text();
    assert!(
        page.contains(r##"<a href="#concern_contact">Contact for concerns must"##),
        "{page}"
    );
    assert!(
        page.contains(r#"value="javascript:alert(1)""#),
        "kept for correcting"
    );
    let refused_fr = server.post_form(
        "/console/meetings?lang=fr",
        &c,
        &form("javascript:alert(1)")
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    assert!(refused_fr
        .text()
        .contains("les liens javascript:, http:// et autres sont refusés"));

    let made = send(
        "/console/meetings",
        &form("https://example.org/wg11/concerns"),
    );
    assert_eq!(made.status, 303, "{}", made.text());
    let page = made.header("location").unwrap().to_owned();
    let shown = server.get_with(&page, &c).text();
    assert!(
        shown.contains(
            r#"<a href="https://example.org/wg11/concerns">https://example.org/wg11/concerns</a>"#
        ),
        "{shown}"
    );
    // The edit form starts with it, and changes it while a draft.
    let edit = server.get_with(&format!("{page}/edit"), &c).text();
    assert!(edit.contains(r#"value="https://example.org/wg11/concerns""#));
    let edited = send(&format!("{page}/edit"), &form("wg11-conduct@example.org"));
    assert_eq!(edited.status, 303, "{}", edited.text());
    let id = page.rsplit('/').next().unwrap();
    let public = server.get(&format!("/m/{id}")).text();
    assert!(
        concern(&public).is_some_and(|p| p.contains(r#"href="mailto:wg11-conduct@example.org""#)),
        "{public}"
    );
    // Emptied, the page has no link (the server has no default).
    let emptied = send(&format!("{page}/edit"), &form(""));
    assert_eq!(emptied.status, 303);
    assert!(concern(&server.get(&format!("/m/{id}")).text()).is_none());
    assert!(server
        .get_with(&page, &c)
        .text()
        .contains("None: attendee pages show no"));
}
