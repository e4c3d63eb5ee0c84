//! A plenary over two days: the secretary defines the sessions and opens
//! and closes each; an attendee at both checks in twice, a repeat within a
//! session is the same check-in, and every list shows who was at which.

use serde_json::{json, Value};

use super::console_tools::signed_in;
use super::{attendee, open_meeting};
use crate::support::http::Server;
use crate::support::text;

fn post(server: &Server, api: &str, path: &str, body: Value) -> crate::support::http::Response {
    server.post_json(path, Some(api), &body)
}

fn check_in(server: &Server, id: &str, token: &str, code: &str, n: usize) -> (u16, Value) {
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(token, code, n),
    );
    let status = r.status;
    (status, r.json())
}

#[test]
fn an_attendee_at_two_sessions_checks_in_twice_and_the_list_shows_who_was_at_which() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let sessions = format!("/api/v1/meetings/{id}/sessions");

    // Sessions: in RFC 3339, or on the meeting's clock (Europe/Zurich).
    let day1 = post(
        &server,
        &api,
        &sessions,
        json!({"name": "Tuesday", "starts_at": "2026-12-01T09:00:00+01:00", "ends_at": "2026-12-01T17:00:00+01:00"}),
    );
    assert_eq!(day1.status, 201, "{}", day1.text());
    assert_eq!(day1.json()["number"], 1);
    assert_eq!(day1.json()["state"], "planned");
    let day2 = post(
        &server,
        &api,
        &sessions,
        json!({"name": "Wednesday", "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T12:30"}),
    );
    assert_eq!(day2.status, 201, "{}", day2.text());
    assert_eq!(day2.json()["starts_at"], "2026-12-02T09:00:00+01:00");
    let bad = post(
        &server,
        &api,
        &sessions,
        json!({"name": "", "starts_at": "2026-12-03T09:00", "ends_at": "2026-12-03T08:00"}),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    let bad = bad.json();
    let fields: Vec<&str> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "ends_at"]);

    let open = |n: u32| post(&server, &api, &format!("{sessions}/{n}/open"), json!({}));
    let close = |n: u32| post(&server, &api, &format!("{sessions}/{n}/close"), json!({}));
    assert_eq!(open(1).status, 200);
    for (r, code_expected) in [(open(2), "session_open"), (close(2), "session_not_open")] {
        assert_eq!(r.status, 409, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], code_expected);
    }
    assert_eq!(open(9).status, 404);

    // The check-in page says which session a check-in is for.
    let page = server.get(&format!("/m/{id}?t={token}")).text();
    assert!(page.contains("Checking in to: Tuesday"), "{page}");

    // Tuesday: Ada and Bo; Ada again is her own check-in back.
    let (s, ada1) = check_in(&server, &id, &token, &code, 1);
    assert_eq!(s, 201);
    assert_eq!(check_in(&server, &id, &token, &code, 2).0, 201);
    let (s, again) = check_in(&server, &id, &token, &code, 1);
    assert_eq!(s, 200);
    assert_eq!(again["receipt_id"], ada1["receipt_id"]);
    assert_eq!(close(1).status, 200);

    let page = server.get(&format!("/m/{id}?t={token}")).text();
    assert!(
        !page.contains("Checking in to:"),
        "no session is open: {page}"
    );

    // Between sessions, check-in waits for the next one.
    let (s, between) = check_in(&server, &id, &token, &code, 3);
    assert_eq!(s, 409, "{between}");
    assert_eq!(between["error"]["code"], "between_sessions");
    assert!(between["error"]["message"]
        .as_str()
        .unwrap()
        .contains("opens the next session"));
    let reopened = open(1);
    assert_eq!(reopened.status, 409);
    assert_eq!(reopened.json()["error"]["code"], "session_already_opened");

    // Wednesday, across a restart: Ada checks in anew, then is recognised.
    assert_eq!(open(2).status, 200);
    assert!(server.stop().success());
    let server = Server::start(dir.path(), &[]);
    let (s, ada2) = check_in(&server, &id, &token, &code, 1);
    assert_eq!(s, 201, "{ada2}");
    assert_ne!(ada2["receipt_id"], ada1["receipt_id"]);
    let (s, again) = check_in(&server, &id, &token, &code, 1);
    assert_eq!(s, 200);
    assert_eq!(again["receipt_id"], ada2["receipt_id"]);
    let listed = server.get_auth(&sessions, &api).json();
    assert_eq!(listed["sessions"][0]["state"], "closed");
    assert_eq!(listed["sessions"][0]["check_ins"], 2);
    assert_eq!(listed["sessions"][1]["state"], "open");
    assert_eq!(listed["sessions"][1]["check_ins"], 1);

    // Closing the meeting ends the open session with it.
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let key = server.public_key();
    let out = server.cli(&["verify", "list.json", "--key", &key, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sessions"][0]["name"], "Tuesday");
    assert_eq!(report["sessions"][0]["check_ins"], 2);
    assert_eq!(report["sessions"][1]["check_ins"], 1);
    assert!(report["sessions"][1]["closed_at"].is_string());
    let at: Vec<&Value> = report["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["session"])
        .collect();
    assert_eq!(at, [&json!(1), &json!(1), &json!(2)]);

    // The CSV names each check-in's session; the printed list has the
    // person × session table with each session's total.
    let csv = server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text();
    assert!(csv.lines().next().unwrap().ends_with(",session"), "{csv}");
    assert!(csv.lines().nth(3).unwrap().ends_with(",2"), "{csv}");
    let (cookie, _) = signed_in(&server);
    let list = server
        .get_with(
            &format!("/console/meetings/{id}/list"),
            &[("cookie", cookie.as_str())],
        )
        .text();
    let table = &list[list
        .find(r#"<section id="sessions">"#)
        .expect("a sessions table")..];
    let table = &table[..table.find("</section>").unwrap()];
    assert!(
        table.contains(r#"<th scope="col">1. Tuesday</th><th scope="col">2. Wednesday</th>"#),
        "{table}"
    );
    let ada = &table[table.find("Attendee 1, Example Standards Body").unwrap()..];
    let ada = &ada[..ada.find("</tr>").unwrap()];
    assert_eq!(ada.matches('✓').count(), 2, "{ada}");
    let bo = &table[table.find("Attendee 2, Example Standards Body").unwrap()..];
    let bo = &bo[..bo.find("</tr>").unwrap()];
    assert_eq!(bo.matches('✓').count(), 1, "{bo}");
    assert!(
        table.contains(r#"<tfoot><tr><th scope="row">Total</th><td>2</td><td>1</td></tr></tfoot>"#),
        "{table}"
    );
}

#[test]
fn secretary_adds_and_opens_a_session_from_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, _, _) = open_meeting(&server, &api, "static");
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let add = |name: &str, start: &str, end: &str| {
        server.post_form(
            &format!("/console/meetings/{id}/sessions"),
            &c,
            &[
                ("csrf", &csrf),
                ("name", name),
                ("starts_at", start),
                ("ends_at", end),
            ],
        )
    };
    let r = add("Morning", "2026-12-01T12:00", "2026-12-01T09:00");
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains("End must be after the start"),
        "{}",
        r.text()
    );
    assert_eq!(
        add("Morning", "2026-12-01T09:00", "2026-12-01T12:00").status,
        303
    );
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &c)
        .text();
    assert!(page.contains("not opened yet"), "{page}");
    let r = server.post_form(
        &format!("/console/meetings/{id}/sessions/1/open"),
        &c,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &c)
        .text();
    assert!(page.contains("open for check-in"), "{page}");
    assert!(
        page.contains(r#"aria-label="Close session Morning""#),
        "{page}"
    );
    let fr = server
        .get_with(
            &format!("/console/meetings/{id}"),
            &[("cookie", cookie.as_str()), ("accept-language", "fr")],
        )
        .text();
    assert!(fr.contains("ouverte aux enregistrements"), "{fr}");
}
