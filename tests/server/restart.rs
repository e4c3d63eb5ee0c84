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
