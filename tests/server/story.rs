//! The whole story: a secretary runs a meeting, attendees check in, the
//! list is exported and verifies.

use serde_json::json;

use super::{attendee, eventually, open_meeting};
use crate::support::http::Server;

#[test]
fn secretary_runs_a_meeting_and_the_exported_list_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("automation");
    let (id, token, code) = open_meeting(&server, &api, "rotating");

    // The QR code image and the page it points to.
    let link = server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), &api)
        .json();
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/m/{id}?t=", server.url)),
        "{url}"
    );
    assert!(link["expires_at"].as_str().is_some());
    let page = server.get(&format!("/m/{id}?t={token}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("ISO Code of Conduct for the technical work"));
    assert!(html.contains("Behave ethically"), "the full Code is shown");
    assert!(html.contains(r#"name="acknowledged""#));
    assert!(!html.contains("<script"), "the page needs no JavaScript");

    // Attendee 1 checks in through the API; again with the same email.
    let first = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 1),
    );
    assert_eq!(first.status, 201, "{}", first.text());
    let receipt_id = first.json()["receipt_id"].as_str().unwrap().to_owned();
    let again = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 1),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["existing"], true);
    assert_eq!(again.json()["receipt_id"], receipt_id.as_str());

    // Attendee 2 uses the HTML form, as a phone without JavaScript would.
    let form = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("code_sha256", &code),
            ("language", "en"),
            ("name", "Zoë Ōkubo-Nguyễn"),
            ("organization", "JISC"),
            ("country", "JP / JISC"),
            ("role", "expert"),
            ("email", ""),
            ("acknowledged", "yes"),
            ("remember", "yes"),
        ],
    );
    assert_eq!(form.status, 303, "{}", form.text());
    let receipt_page = form.header("location").unwrap().to_owned();
    assert!(
        form.cookie("rc_me").is_some(),
        "details remembered on the device"
    );
    let device = form.cookie("rc_device").expect("device cookie");
    let shown = server.get(&receipt_page);
    assert_eq!(shown.status, 200);
    assert!(shown.text().contains("Zoë Ōkubo-Nguyễn"));
    // The same person on the same device again gets the same receipt; a
    // colleague sharing the phone gets their own.
    let form_as = |name: &str| {
        server.post_form(
            &format!("/m/{id}"),
            &[("cookie", &device)],
            &[
                ("token", &token),
                ("code_sha256", &code),
                ("name", name),
                ("organization", "JISC"),
                ("country", "JP"),
                ("role", "expert"),
                ("acknowledged", "yes"),
            ],
        )
    };
    let same = form_as("zoë ōkubo-nguyễn");
    assert_eq!(same.header("location"), Some(receipt_page.as_str()));
    let colleague = form_as("Someone Else");
    assert_eq!(colleague.status, 303);
    assert_ne!(colleague.header("location"), Some(receipt_page.as_str()));

    // The receipt becomes provable within a checkpoint period, and verifies.
    assert!(eventually(|| server
        .get(&format!("/api/v1/receipts/{receipt_id}"))
        .json()["inclusion"]
        .is_object()));
    let receipt = server.get(&format!("/api/v1/receipts/{receipt_id}"));
    assert_eq!(
        receipt.json()["entry"],
        first.json()["receipt"]["entry"],
        "the 201 carries the same signed entry the proven receipt holds"
    );
    std::fs::write(dir.path().join("receipt.json"), &receipt.body).unwrap();
    let key = server.public_key();
    let v = server.cli(&["verify", "receipt.json", "--key", &key]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));

    // Close: the final checkpoint; late check-ins are refused.
    let closed = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(closed.status, 200, "{}", closed.text());
    assert_eq!(closed.json()["size"], 5, "meeting + 3 check-ins + close");
    let late = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 9),
    );
    assert_eq!(late.status, 410);
    assert!(late.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("closed"));

    // Export through the API and the command line; both verify.
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    assert_eq!(bundle.status, 200);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&["verify", "list.json", "--key", &key]);
    let report = String::from_utf8_lossy(&v.stdout).into_owned();
    assert!(v.status.success(), "{report}");
    assert!(report.contains("3 check-in(s)"), "{report}");
    let exported = server.cli(&[
        "export",
        &id,
        "--format",
        "bundle",
        "-o",
        "cli-list.json",
        "--data",
        "data",
        "--keys",
        "keys",
    ]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    assert!(server
        .cli(&["verify", "cli-list.json", "--key", &key])
        .status
        .success());

    let csv = server.get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api);
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("Attendee 1") && text.contains("Zoë Ōkubo-Nguyễn"));
}

#[test]
fn health_metrics_and_public_keys_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    assert_eq!(server.get("/healthz").status, 200);
    let metrics = server.get("/metrics");
    assert!(metrics
        .text()
        .contains("rollcall_check_ins_total{outcome=\"recorded\"} 0"));
    let keys = server.get("/.well-known/rollcall-keys.json").json();
    assert_eq!(keys["current"], server.public_key().as_str());
    for path in ["/", "/healthz", "/nope", "/api/v1/meetings"] {
        let r = server.get(path);
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{path}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
    }
}

#[test]
fn anyone_can_watch_the_log_grow_with_consistency_proofs() {
    use rollcall::trust::checkpoint::verify_checkpoint;
    use rollcall::trust::keys::PublicKey;
    use rollcall::trust::merkle::verify_consistency;

    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = super::open_meeting(&server, &api, "static");
    let key = PublicKey::parse(&server.public_key()).unwrap();
    let path = format!("/api/v1/meetings/{id}/checkpoint");
    assert!(eventually(|| server.get(&path).status == 200));
    let first = server.get(&path).json();
    let old = verify_checkpoint(first["checkpoint"].as_str().unwrap(), &[key])
        .unwrap()
        .checkpoint;
    for n in 0..5 {
        assert_eq!(
            server
                .post_json(
                    &format!("/api/v1/meetings/{id}/checkins"),
                    None,
                    &attendee(&token, &code, n)
                )
                .status,
            201
        );
    }
    assert!(eventually(
        || server.get(&path).json()["size"].as_u64() == Some(old.size + 5)
    ));
    let later = server.get(&format!("{path}?from={}", old.size)).json();
    let new = verify_checkpoint(later["checkpoint"].as_str().unwrap(), &[key])
        .unwrap()
        .checkpoint;
    let proof: Vec<[u8; 32]> = later["consistency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            rollcall::trust::encoding::unb64(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    assert!(verify_consistency(
        old.size, new.size, &old.root, &new.root, &proof
    ));
    assert_eq!(server.get(&format!("{path}?from=999")).status, 422);
}

#[test]
fn a_draft_is_deleted_through_the_api_and_is_then_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("automation");
    let created = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "Created twice", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z"}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/meetings/{id}");

    let anonymous = crate::support::http::request(&server.addr, "DELETE", &path, &[], b"");
    assert_eq!(anonymous.status, 401);
    assert_eq!(server.get_auth(&path, &api).status, 200, "still there");

    let deleted = server.delete_auth(&path, &api);
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(deleted.body.is_empty());
    let gone = server.get_auth(&path, &api);
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["code"], "not_found");
    let list = server.get_auth("/api/v1/meetings", &api).json();
    assert_eq!(list["meetings"], json!([]), "{list}");

    for unknown in [path.as_str(), "/api/v1/meetings/m-aaaaaaaaaa"] {
        let r = server.delete_auth(unknown, &api);
        assert_eq!(r.status, 404, "{unknown}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "not_found");
    }
}
