//! A restart keeps every check-in and the log goes on where it stopped.

use serde_json::json;

use super::{attendee, open_meeting};
use crate::support::http::Server;

#[test]
fn check_ins_survive_a_restart_and_the_log_continues() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    let receipts: Vec<String> = (0..3)
        .map(|n| {
            let r = server.post_json(&path, None, &attendee(&token, &code, n));
            assert_eq!(r.status, 201);
            r.json()["receipt_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(server.stop().success(), "graceful shutdown exits cleanly");

    let server = Server::start(dir.path(), &[]);
    // Same person again: recognised after the restart.
    let again = server.post_json(&path, None, &attendee(&token, &code, 1));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["receipt_id"], receipts[1].as_str());
    let next = server.post_json(&path, None, &attendee(&token, &code, 3));
    assert_eq!(next.status, 201);
    assert_eq!(next.json()["index"], 4, "the log continues after entry 3");
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
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&["verify", "list.json", "--key", &server.public_key()]);
    let report = String::from_utf8_lossy(&v.stdout).into_owned();
    assert!(v.status.success(), "{report}");
    assert!(report.contains("4 check-in(s)"), "{report}");
}

#[test]
fn a_key_rotated_mid_meeting_verifies_with_both_keys_pinned_and_not_with_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    let check_in = |server: &Server, n: usize| {
        let r = server.post_json(&path, None, &attendee(&token, &code, n));
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["receipt_id"].as_str().unwrap().to_owned()
    };
    let early: Vec<String> = (0..3).map(|n| check_in(&server, n)).collect();
    assert!(super::eventually(|| server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json()["size"]
        == 4));
    let before = server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json()["checkpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    let old_key = server.public_key();
    assert!(server.stop().success());

    let rotated = server.cli(&["keys", "rotate", "--keys", "keys"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    server = Server::start(dir.path(), &[]);
    let new_key = server.public_key();
    assert_ne!(old_key, new_key);
    // Both keys are published for auditors.
    let published = server.get("/.well-known/rollcall-keys.json").text();
    assert!(published.contains(&old_key) && published.contains(&new_key));
    for n in 3..6 {
        check_in(&server, n);
    }
    // The log signed under the new key provably extends the old key's checkpoint.
    assert!(super::eventually(|| server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json()["size"]
        == 7));
    super::checkpoint_extends(&server, &id, &before, &[&old_key, &new_key]);
    // Receipts from before the rotation still verify with the old key.
    for r in &early {
        assert_eq!(server.get(&format!("/api/v1/receipts/{r}")).status, 200);
    }

    let close = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let verify = |keys: &[&str]| {
        let mut args = vec!["verify", "list.json"];
        for k in keys {
            args.extend(["--key", k]);
        }
        let out = server.cli(&args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (status, report) = verify(&[&old_key, &new_key]);
    assert_eq!(status, Some(0), "{report}");
    assert!(report.contains("6 check-in(s)"), "{report}");
    // The server's published key list, saved as it is served, pins both.
    let published = server.get("/.well-known/rollcall-keys.json");
    assert_eq!(published.status, 200);
    std::fs::write(dir.path().join("rollcall-keys.json"), &published.body).unwrap();
    let (status, report) = verify(&["rollcall-keys.json"]);
    assert_eq!(status, Some(0), "{report}");
    assert!(report.contains("6 check-in(s)"), "{report}");
    // One key is not enough: the auditor pinned only one of them, so what
    // the other signed is not trusted, and the report says where.
    for only in [&new_key, &old_key] {
        let (status, report) = verify(&[only]);
        assert_eq!(status, Some(1), "{report}");
        assert!(report.starts_with("INVALID"), "{report}");
        assert!(
            report.contains("not pinned") || report.contains("not trusted"),
            "{report}"
        );
    }
}
