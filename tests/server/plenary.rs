//! The README's hybrid plenary, end to end over the API: a roster
//! imported, two sessions, delegates in the room and on the video
//! conference, a correction and a strike, then the PDF list, which
//! `rollcall verify` checks.

use serde_json::{json, Value};

use crate::support::http::{Response, Server};
use crate::support::text;

const ROSTER: &str = "Name,Organisation,Country or national body,Role,Email\n\
    Ada Lovelace,BSI,United Kingdom (BSI),head-of-delegation,ada@example.org\n\
    Jean Dupont,AFNOR,France (AFNOR),delegate,jean@example.org\n\
    Keiko Sato,JISC,Japan (JISC),expert,keiko@example.org\n";

fn person(token: &str, code: &str, name: &str, org: &str, country: &str, email: &str) -> Value {
    json!({
        "token": token, "name": name, "organization": org, "country": country,
        "role": "delegate", "email": email, "acknowledged": true, "code_sha256": code,
    })
}

#[test]
fn a_hybrid_plenary_over_two_sessions_with_a_roster_from_import_to_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let post = |path: &str, body: Value| -> Response {
        server.post_json(&format!("/api/v1{path}"), Some(&api), &body)
    };
    let created = post(
        "/meetings",
        json!({"title": "ISO/TC 37 plenary", "starts_at": "2020-01-01T09:00:00Z",
               "ends_at": "2099-01-01T17:00:00Z", "presence": "static", "timezone": "UTC"}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let m = created.json();
    let (id, code) = (
        m["id"].as_str().unwrap(),
        m["code_sha256"].as_str().unwrap(),
    );

    // Before opening: the roster and the two sessions.
    let imported = post(&format!("/meetings/{id}/roster"), json!({ "csv": ROSTER }));
    assert!(
        imported.status == 200 || imported.status == 201,
        "{}",
        imported.text()
    );
    for (name, day) in [("Tuesday", "01"), ("Wednesday", "02")] {
        let r = post(
            &format!("/meetings/{id}/sessions"),
            json!({"name": name, "starts_at": format!("2026-12-{day}T09:00"), "ends_at": format!("2026-12-{day}T17:00")}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    assert_eq!(post(&format!("/meetings/{id}/open"), json!({})).status, 200);
    let room = server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), &api)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let remote = server
        .get_auth(&format!("/api/v1/meetings/{id}/remote-link"), &api)
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let check_in = |token: &str, name: &str, org: &str, country: &str, email: &str| -> u64 {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &person(token, code, name, org, country, email),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["index"].as_u64().unwrap()
    };

    // Tuesday: Ada in the room, Jean remotely, a walk-in, and a test.
    assert_eq!(
        post(&format!("/meetings/{id}/sessions/1/open"), json!({})).status,
        200
    );
    let ada = check_in(
        &room,
        "Ada Lovelace",
        "BSI",
        "United Kingdom (BSI)",
        "ada@example.org",
    );
    check_in(
        &remote,
        "Jean Dupont",
        "AFNOR",
        "France (AFNOR)",
        "jean@example.org",
    );
    let walk_in = check_in(&room, "Liu Wei", "SAC", "China (SAC)", "liu@example.org");
    let test = check_in(
        &room,
        "Test Secretary",
        "ISO/CS",
        "Switzerland (SNV)",
        "test@example.org",
    );
    let amend = |body: Value| super::amend_committed(&server, &api, id, body);
    amend(
        json!({"check_in": walk_in, "action": "correct", "reason": "organisation mistyped", "organization": "SAC (China)"}),
    );
    amend(json!({"check_in": test, "action": "strike", "reason": "a test by the secretary"}));
    assert_eq!(
        post(&format!("/meetings/{id}/sessions/1/close"), json!({})).status,
        200
    );

    // Wednesday: Ada again, remotely this time; Keiko does not come.
    assert_eq!(
        post(&format!("/meetings/{id}/sessions/2/open"), json!({})).status,
        200
    );
    let ada_again = check_in(
        &remote,
        "Ada Lovelace",
        "BSI",
        "United Kingdom (BSI)",
        "ada@example.org",
    );
    assert_ne!(ada, ada_again, "a check-in of its own in each session");
    let closed = post(&format!("/meetings/{id}/close"), json!({}));
    assert_eq!(closed.status, 200, "{}", closed.text());

    // The PDF list verifies, with every part of the meeting in it.
    let pdf = server.get_auth(&format!("/api/v1/meetings/{id}/attendance.pdf"), &api);
    assert_eq!(pdf.status, 200);
    std::fs::write(dir.path().join("list.pdf"), &pdf.body).unwrap();
    let key = server.public_key();
    let out = server.cli(&["verify", "list.pdf", "--key", &key, "--json"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(
        (report["room"].as_u64(), report["remote"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(report["sessions"][0]["check_ins"], 4);
    assert_eq!(report["sessions"][1]["check_ins"], 1);
    assert_eq!(report["amendments"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        report["roster_counts"],
        json!({"expected": 3, "present_room": 2, "present_remote": 2, "absent": 1, "walk_ins": 1, "repeats": 1}),
        "Ada twice, Jean, the walk-in; Keiko absent; the test struck"
    );
    if super::list_pdf::poppler() {
        let shown = super::list_pdf::pdf_text(&dir.path().join("list.pdf"));
        for expected in [
            "Attendance by session",
            "1. Tuesday",
            "SAC (China) (corrected)",
            "a test by the secretary",
            "Expected but absent",
            "Keiko Sato",
            "4 (2 in the room, 2 remote); 1 struck as recorded in error",
        ] {
            assert!(
                shown.contains(expected),
                "the PDF shows {expected:?}:\n{shown}"
            );
        }
    }
}
