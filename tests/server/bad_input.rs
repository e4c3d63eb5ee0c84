//! Every bad input gets a clear 4xx, and nothing is stored.

use serde_json::json;

use super::{attendee, open_meeting};
use crate::support::http::{request, Server};

fn recorded(server: &Server) -> u64 {
    let m = server.get("/metrics").text();
    m.lines()
        .find(|l| l.starts_with("rollcall_check_ins_total{outcome=\"recorded\"}"))
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap()
}

/// A presence token made with the server's own secret, for a past window.
fn expired_token(server: &Server, id: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secret = rt.block_on(async {
        let store = crate::support::store_of(&server.dir).await;
        store.setting("presence_secret").await.unwrap().unwrap()
    });
    let key = rollcall::presence::PresenceKey::new(secret.try_into().unwrap());
    key.rotating(
        id,
        time::OffsetDateTime::now_utc() - time::Duration::hours(2),
    )
    .0
}

#[test]
fn bad_check_ins_are_refused_clearly_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "rotating");
    let (other, other_token, _) = open_meeting(&server, &api, "rotating");
    let path = format!("/api/v1/meetings/{id}/checkins");

    let check = |body: serde_json::Value, status: u16, code_name: &str, says: &str| {
        let r = server.post_json(&path, None, &body);
        assert_eq!(r.status, status, "{body}: {}", r.text());
        let e = r.json();
        assert_eq!(e["error"]["code"], code_name, "{}", r.text());
        assert!(
            e["error"]["message"].as_str().unwrap().contains(says),
            "{}",
            r.text()
        );
    };
    let with = |k: &str, v: serde_json::Value| {
        let mut b = attendee(&token, &code, 7);
        b[k] = v;
        b
    };
    check(
        with("acknowledged", json!(false)),
        422,
        "invalid_fields",
        "confirm you have read",
    );
    check(
        with("code_sha256", json!("0".repeat(64))),
        409,
        "wrong_code",
        "reload the page",
    );
    check(
        with("name", json!("")),
        422,
        "invalid_fields",
        "Name is required",
    );
    check(
        with("name", json!("Mallory\u{202E}gnp.exe")),
        422,
        "invalid_fields",
        "direction",
    );
    check(
        with("name", json!("Null\u{0}Byte")),
        422,
        "invalid_fields",
        "control character",
    );
    check(
        with("name", json!("x".repeat(201))),
        422,
        "invalid_fields",
        "too long",
    );
    check(
        with("email", json!("not-an-email")),
        422,
        "invalid_fields",
        "Email must look like",
    );
    check(
        with("role", json!("emperor")),
        422,
        "invalid_fields",
        "Role must be one of",
    );
    check(
        with("token", json!("forged")),
        403,
        "invalid_token",
        "incomplete or damaged",
    );
    check(
        with("token", json!(other_token)),
        403,
        "invalid_token",
        "not valid for this meeting",
    );
    check(
        with("token", json!(expired_token(&server, &id))),
        410,
        "qr_expired",
        "expired",
    );
    check(
        with("unexpected", json!(1)),
        422,
        "invalid_body",
        "unknown field",
    );
    let _ = other;

    let not_json = request(
        &server.addr,
        "POST",
        &path,
        &[("content-type", "text/plain")],
        b"hello",
    );
    assert_eq!(not_json.status, 415);
    let broken = request(
        &server.addr,
        "POST",
        &path,
        &[("content-type", "application/json")],
        b"{\"name\":",
    );
    assert_eq!(broken.status, 400);
    assert_eq!(broken.json()["error"]["code"], "invalid_json");
    let huge = vec![b'x'; 100 * 1024];
    let too_big = request(
        &server.addr,
        "POST",
        &path,
        &[("content-type", "application/json")],
        &huge,
    );
    assert_eq!(too_big.status, 413);
    let unknown = server.post_json(
        "/api/v1/meetings/m-nosuchmeet/checkins",
        None,
        &attendee(&token, &code, 1),
    );
    assert_eq!(unknown.status, 404);

    assert_eq!(recorded(&server), 0, "nothing was stored");
    // The HTML form shows the errors on the page, keeping what was typed.
    let page = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("code_sha256", &code),
            ("name", "<b>Bold</b> Ben"),
            ("organization", ""),
            ("country", "FR"),
            ("role", "delegate"),
        ],
    );
    assert_eq!(page.status, 422);
    let html = page.text();
    assert!(html.contains("Organisation is required"));
    assert!(html.contains("confirm you have read"));
    assert!(
        html.contains("&lt;b&gt;Bold&lt;/b&gt; Ben"),
        "typed text comes back escaped"
    );
    assert!(!html.contains("<b>Bold</b>"));
    assert_eq!(recorded(&server), 0);
}

#[test]
fn draft_and_closed_meetings_refuse_check_ins() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let draft = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "Draft", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T10:00:00Z"}),
    );
    assert_eq!(draft.status, 201, "{}", draft.text());
    let draft = draft.json();
    let did = draft["id"].as_str().unwrap();
    let r = server.post_json(
        &format!("/api/v1/meetings/{did}/checkins"),
        None,
        &attendee("t", draft["code_sha256"].as_str().unwrap(), 1),
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "meeting_not_open");
    let page = server.get(&format!("/m/{did}?t=x"));
    assert_eq!(page.status, 409);
    assert!(page.text().contains("has not opened yet"));

    let (id, token, code) = open_meeting(&server, &api, "static");
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
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 1),
    );
    assert_eq!(r.status, 410);
    let page = server.get(&format!("/m/{id}?t={token}"));
    assert_eq!(page.status, 410);
    assert!(page.text().contains("This meeting is closed"));
    // Closing twice is refused too.
    let again = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(again.status, 410);
}

#[test]
fn invalid_meetings_are_refused_with_each_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let r = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "", "starts_at": "tomorrow", "ends_at": "2026-12-01T10:00:00Z", "timezone": "Mars/Olympus Mons", "presence": "telepathy"}),
    );
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    for f in ["title", "starts_at", "timezone", "presence"] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }
    let ends_first = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "T", "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T09:00:00Z"}),
    );
    assert_eq!(ends_first.status, 422);
    assert!(ends_first.text().contains("End must be after the start"));
}

#[test]
fn check_ins_beyond_the_per_client_limit_get_429() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--checkin-rate", "3"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let statuses: Vec<u16> = (0..5)
        .map(|n| {
            server
                .post_json(
                    &format!("/api/v1/meetings/{id}/checkins"),
                    None,
                    &attendee(&token, &code, n),
                )
                .status
        })
        .collect();
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 9),
    );
    assert_eq!(r.header("retry-after"), Some("5"));
}

#[test]
fn knowing_someones_email_does_not_reveal_their_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    assert_eq!(
        server
            .post_json(&path, None, &attendee(&token, &code, 1))
            .status,
        201
    );
    let mut impostor = attendee(&token, &code, 1);
    impostor["name"] = json!("Someone Curious");
    let r = server.post_json(&path, None, &impostor);
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "email_taken");
    assert!(
        !r.text().contains("Attendee 1"),
        "nothing about the first attendee leaks"
    );
    assert!(r.json().get("receipt_id").is_none());
    // The same person (same email and name, any case) gets their receipt back.
    let mut again = attendee(&token, &code, 1);
    again["name"] = json!("ATTENDEE 1");
    assert_eq!(server.post_json(&path, None, &again).status, 200);
    // Notes through the API are checked like every other text.
    let notes = server.post_json(
        &format!("/api/v1/meetings/{id}/notes"),
        Some(&api),
        &json!({"text": "fine\u{202E}txt"}),
    );
    assert_eq!(notes.status, 422);
    assert_eq!(notes.json()["error"]["fields"][0]["field"], "text");
    let bad_from = server.get(&format!("/api/v1/meetings/{id}/checkpoint?from=abc"));
    assert_eq!(bad_from.status, 422);
}

#[test]
fn notes_of_the_full_length_and_a_large_roster_fit_while_other_bodies_stay_small() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, _, _) = super::open_meeting(&server, &api, "static");
    // 20,000 characters of four bytes each, escaped in JSON: about 240 KB.
    let text: String = std::iter::repeat_n('😀', 20_000).collect();
    let body = serde_json::to_vec(&json!({ "text": text })).unwrap();
    let escaped = String::from_utf8(body.clone())
        .unwrap()
        .replace('😀', "\\ud83d\\ude00");
    assert!(escaped.len() > 200 * 1024);
    let notes = request(
        &server.addr,
        "POST",
        &format!("/api/v1/meetings/{id}/notes"),
        &[
            ("content-type", "application/json"),
            ("authorization", &format!("Bearer {api}")),
        ],
        escaped.as_bytes(),
    );
    assert_eq!(notes.status, 201, "{}", notes.text());
    // A plenary's roster: 2,000 rows, about 150 KB.
    let mut csv = String::from("Name,Organisation,Country or national body,Role,Email\n");
    for n in 0..2000 {
        csv.push_str(&format!(
            "Delegate {n},Standards Body {n},Country {n},delegate,delegate{n}@example.org\n"
        ));
    }
    assert!(csv.len() > 100 * 1024);
    let roster = server.post_json(
        &format!("/api/v1/meetings/{id}/roster"),
        Some(&api),
        &json!({ "csv": csv }),
    );
    assert!(
        roster.status == 200 || roster.status == 201,
        "{}",
        roster.text()
    );
    // Anything else stays under 64 KiB.
    let huge = vec![b'x'; 100 * 1024];
    let too_big = request(
        &server.addr,
        "POST",
        &format!("/api/v1/meetings/{id}/amendments"),
        &[("content-type", "application/json")],
        &huge,
    );
    assert_eq!(too_big.status, 413);
}
