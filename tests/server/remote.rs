//! Room and remote check-ins at once: the secretary pastes the meeting's
//! remote link in the video conference's chat while the room scans the QR
//! code; the signed check-ins, counts, lists, PDF and CSV tell them apart,
//! and a remote link can never claim presence in the room.

use serde_json::{json, Value};

use super::console_tools::signed_in;
use super::list_pdf::{pdf_text, poppler};
use super::{attendee, eventually, open_meeting};
use crate::support::http::{Response, Server};
use crate::support::missing;
use rollcall::trust::encoding::{b64url, unb64, unb64url};

/// The meeting's remote link, as the API gives it.
fn remote_link(server: &Server, api: &str, id: &str) -> Value {
    let r = server.get_auth(&format!("/api/v1/meetings/{id}/remote-link"), api);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn check_in(server: &Server, id: &str, body: &Value) -> Response {
    server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, body)
}

/// The presence a check-in's signed entry records.
fn signed_presence(accepted: &Response) -> Value {
    let payload = accepted.json()["receipt"]["entry"]["envelope"]["payload"]
        .as_str()
        .expect("a signed entry in the answer")
        .to_owned();
    let statement: Value = serde_json::from_slice(&unb64(&payload).unwrap()).unwrap();
    statement["predicate"]["presence"].clone()
}

/// `token` with its first byte (its kind) replaced.
fn relabelled(token: &str, kind: u8) -> String {
    let mut bytes = unb64url(token).unwrap();
    bytes[0] = kind;
    b64url(&bytes)
}

fn close(server: &Server, api: &str, id: &str) {
    let closed = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(api),
        &json!({}),
    );
    assert_eq!(closed.status, 200, "{}", closed.text());
}

/// `rollcall verify --json` on the meeting's exported bundle.
fn verified(server: &Server, dir: &std::path::Path, api: &str, id: &str) -> (Value, String) {
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), api);
    assert_eq!(bundle.status, 200, "{}", bundle.text());
    std::fs::write(dir.join("list.json"), &bundle.body).unwrap();
    let key = server.public_key();
    let out = server.cli(&["verify", "list.json", "--key", &key, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let human = server.cli(&["verify", "list.json", "--key", &key]);
    assert!(human.status.success());
    (report, String::from_utf8_lossy(&human.stdout).into_owned())
}

#[test]
fn remote_attendee_checks_in_from_the_remote_link_and_the_list_shows_the_split() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("automation");
    let (id, room_token, code) = open_meeting(&server, &api, "rotating");

    // The secretary gets the remote link for the video conference's chat:
    // the same shape as the QR code's link, but it never changes.
    let link = remote_link(&server, &api, &id);
    let remote_token = link["token"].as_str().unwrap().to_owned();
    assert_eq!(
        link["url"],
        format!("{}/m/{id}?t={remote_token}", server.url).as_str()
    );
    assert_eq!(link["expires_at"], Value::Null);
    assert_eq!(link["state"], "open");
    assert_ne!(remote_token, room_token);
    assert_eq!(
        remote_link(&server, &api, &id)["token"],
        remote_token.as_str()
    );

    // A remote participant opens it: the page says they check in remotely;
    // the room's page does not.
    let page = server.get(&format!("/m/{id}?t={remote_token}"));
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains(r#"id="remote-notice""#));
    assert!(page.text().contains("checking in as a remote participant"));
    let fr = server.get_with(
        &format!("/m/{id}?t={remote_token}"),
        &[("accept-language", "fr")],
    );
    assert!(
        fr.text().contains("participant à distance"),
        "{}",
        fr.text()
    );
    let room_page = server.get(&format!("/m/{id}?t={room_token}")).text();
    assert!(!room_page.contains("remote-notice"));

    // One attendee scans the code in the room; two join remotely, one
    // through the API and one with the form.
    let in_room = check_in(&server, &id, &attendee(&room_token, &code, 1));
    assert_eq!(in_room.status, 201, "{}", in_room.text());
    assert_eq!(signed_presence(&in_room)["method"], "rotating-qr");
    let remote = check_in(&server, &id, &attendee(&remote_token, &code, 2));
    assert_eq!(remote.status, 201, "{}", remote.text());
    assert_eq!(signed_presence(&remote), json!({"method": "remote"}));
    let form = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &remote_token),
            ("code_sha256", &code),
            ("language", "en"),
            ("name", "Grace Hopper"),
            ("organization", "ANSI"),
            ("country", "US / ANSI"),
            ("role", "expert"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(form.status, 303, "{}", form.text());

    // The console: the remote link with its copy button, and the split.
    let (cookie, _csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let console = server
        .get_with(&format!("/console/meetings/{id}"), &c)
        .text();
    assert!(console.contains(r#"id="remote-link""#), "{console}");
    assert!(console.contains(link["url"].as_str().unwrap()));
    assert!(console.contains("Copy the remote link"));
    assert!(console.contains(r#"<script src="/static/copy.js" defer>"#));
    assert!(
        console.contains(r#"<dd id="checkin-count">3</dd>"#)
            && console.contains(r#"<dd id="checkin-split">1 in the room · 2 remote</dd>"#),
        "{console}"
    );
    let copy = server.get("/static/copy.js");
    assert_eq!(copy.status, 200);
    assert!(copy.text().contains("data-copy"));

    // The projector and its JSON show the split.
    let present = server
        .get_with(&format!("/console/meetings/{id}/present.json"), &c)
        .json();
    assert_eq!(
        (&present["count"], &present["room"], &present["remote"]),
        (&json!(3), &json!(1), &json!(2))
    );
    assert_eq!(present["split"], "1 in the room · 2 remote");
    let projector = server
        .get_with(&format!("/console/meetings/{id}/present"), &c)
        .text();
    assert!(
        projector.contains("1 in the room · 2 remote"),
        "{projector}"
    );

    // Live arrivals, once a checkpoint covers the three check-ins.
    assert!(eventually(|| server
        .get_with(&format!("/console/meetings/{id}/arrivals"), &c)
        .text()
        .contains("1 in the room · 2 remote")));
    let arrivals = server
        .get_with(&format!("/console/meetings/{id}/arrivals"), &c)
        .text();
    assert_eq!(arrivals.matches("<td>remote</td>").count(), 2, "{arrivals}");

    // The closed list verifies with the counts.
    close(&server, &api, &id);
    let (report, human) = verified(&server, dir.path(), &api, &id);
    assert_eq!(report["valid"], true);
    assert_eq!(
        (&report["attestations"], &report["room"], &report["remote"]),
        (&json!(3), &json!(1), &json!(2))
    );
    let methods: Vec<&str> = report["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["presence"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["rotating QR code", "remote", "remote"]);
    assert!(
        human.contains("3 check-in(s) (1 in the room, 2 remote)"),
        "{human}"
    );

    // The CSV's presence column.
    let csv = server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "presence").unwrap();
    let presence: Vec<String> = lines
        .map(|l| l.split(',').nth(at).unwrap().to_owned())
        .collect();
    assert_eq!(presence, ["rotating QR code", "remote", "remote"], "{csv}");

    // The printable list and its PDF.
    let list = server
        .get_with(&format!("/console/meetings/{id}/list"), &c)
        .text();
    assert!(list.contains("3 (1 in the room, 2 remote)"), "{list}");
    let fr_list = server
        .get_with(
            &format!("/console/meetings/{id}/list"),
            &[("cookie", cookie.as_str()), ("accept-language", "fr")],
        )
        .text();
    assert!(fr_list.contains("3 (1 dans la salle, 2 à distance)"));
    if !poppler() {
        return missing("pdftotext, to read the PDF list back");
    }
    let pdf = server.get_auth(&format!("/api/v1/meetings/{id}/attendance.pdf"), &api);
    assert_eq!(pdf.status, 200);
    std::fs::write(dir.path().join("list.pdf"), &pdf.body).unwrap();
    let text = pdf_text(&dir.path().join("list.pdf"));
    assert!(text.contains("3 (1 in the room, 2 remote)"), "{text}");
    assert!(
        text.matches("remote").count() >= 3,
        "two rows and the count: {text}"
    );
}

#[test]
fn a_remote_link_cannot_claim_room_presence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("automation");
    // A static meeting: its room token is as long-lived as the remote one.
    let (id, room_token, code) = open_meeting(&server, &api, "static");
    let remote_token = remote_link(&server, &api, &id)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = |token: &str, n: usize, code_word: &str, says: &str| {
        let r = check_in(&server, &id, &attendee(token, &code, n));
        assert_eq!(r.status, 403, "{}", r.text());
        let e = &r.json()["error"];
        assert_eq!(e["code"], code_word, "{e}");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    };

    // The remote token given where the room token goes: relabelled with the
    // room's kind, it is not a room token of this meeting.
    refused(
        &relabelled(&remote_token, 2),
        1,
        "invalid_token",
        "not valid for this meeting",
    );
    // And the room token relabelled as a remote one is not a remote token.
    refused(
        &relabelled(&room_token, 3),
        2,
        "invalid_remote_link",
        "ask the secretary to paste the meeting's remote link",
    );
    // Another meeting's remote link, and a made-up one.
    let (other, _, _) = open_meeting(&server, &api, "rotating");
    let other_remote = remote_link(&server, &api, &other)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    refused(
        &other_remote,
        3,
        "invalid_remote_link",
        "not valid for this meeting",
    );
    let forged = b64url(&[3u8; 17]);
    refused(&forged, 4, "invalid_remote_link", "remote check-in link");
    // The page says so too, before the form.
    let page = server.get(&format!("/m/{id}?t={forged}"));
    assert_eq!(page.status, 403);
    assert!(page.text().contains("remote link"), "{}", page.text());

    // The genuine tokens: the room's is signed as the room's method, the
    // remote one as remote; whatever else was tried recorded nothing.
    let room = check_in(&server, &id, &attendee(&room_token, &code, 5));
    assert_eq!(room.status, 201, "{}", room.text());
    assert_eq!(signed_presence(&room), json!({"method": "static-link"}));
    let remote = check_in(&server, &id, &attendee(&remote_token, &code, 6));
    assert_eq!(remote.status, 201, "{}", remote.text());
    assert_eq!(signed_presence(&remote), json!({"method": "remote"}));

    // Once the meeting closes, the remote link stops working like the room's.
    close(&server, &api, &id);
    let late = check_in(&server, &id, &attendee(&remote_token, &code, 7));
    assert_eq!(late.status, 410, "{}", late.text());
    let (report, _) = verified(&server, dir.path(), &api, &id);
    assert_eq!(
        (&report["attestations"], &report["room"], &report["remote"]),
        (&json!(2), &json!(1), &json!(1))
    );
}
