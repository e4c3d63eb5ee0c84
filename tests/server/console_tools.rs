//! The secretary's tools: projector view, manual entry, notes, arrivals and
//! the printable list with the Code attached.

use super::eventually;
use crate::support::http::Server;

const PASSWORD: &str = "correct horse battery";

pub(super) fn signed_in(server: &Server) -> (String, String) {
    let setup = server.setup_url.clone().unwrap();
    let token = setup.split("token=").nth(1).unwrap().to_owned();
    let r = server.post_form(
        "/setup",
        &[],
        &[
            ("token", &token),
            ("email", "sec@example.org"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303);
    let r = server.post_form(
        "/login",
        &[],
        &[("email", "sec@example.org"), ("password", PASSWORD)],
    );
    let cookie = r.cookie("rc_session").unwrap();
    let page = server.get_with("/console", &[("cookie", &cookie)]).text();
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    (cookie, page[at..].split('"').next().unwrap().to_owned())
}

#[test]
fn secretary_presents_records_by_hand_takes_notes_and_prints_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let created = server.post_form(
        "/console/meetings",
        &c,
        &[
            ("csrf", &csrf),
            ("title", "WG 11 meeting"),
            ("committee", "ISO/TC 46/WG 11"),
            ("location", "Room 3"),
            ("starts_at", "2020-01-01T09:00:00+01:00"),
            ("ends_at", "2099-01-01T17:00:00+01:00"),
            ("timezone", "Europe/Paris"),
        ],
    );
    let page = created.header("location").unwrap().to_owned();
    let id = page.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        server
            .post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)])
            .status,
        303
    );

    let present = server.get_with(&format!("{page}/present"), &c);
    assert_eq!(present.status, 200);
    let html = present.text();
    assert!(html.contains("WG 11 meeting") && html.contains("<svg") && html.contains("checked in"));
    assert!(
        html.contains("Behave ethically"),
        "the Code's principles are shown"
    );
    assert!(
        html.contains(r#"http-equiv="refresh""#),
        "it keeps itself up to date"
    );

    let manual = server.post_form(
        &format!("{page}/manual"),
        &c,
        &[
            ("csrf", &csrf),
            ("name", "Paper Pat"),
            ("organization", "AFNOR"),
            ("country", "FR / AFNOR"),
            ("role", "observer"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(manual.status, 303, "{}", manual.text());
    let missing_ack = server.post_form(
        &format!("{page}/manual"),
        &c,
        &[
            ("csrf", &csrf),
            ("name", "No Ack"),
            ("organization", "X"),
            ("country", "Y"),
            ("role", "observer"),
        ],
    );
    assert_eq!(missing_ack.status, 422);
    let notes = server.post_form(
        &format!("{page}/notes"),
        &c,
        &[
            ("csrf", &csrf),
            ("text", "The convenor presented the Code.\nNo questions."),
        ],
    );
    assert_eq!(notes.status, 303);
    assert_eq!(
        server
            .post_form(
                &format!("{page}/notes"),
                &c,
                &[("csrf", "forged"), ("text", "x")]
            )
            .status,
        403
    );

    assert!(eventually(|| server
        .get_with(&format!("{page}/arrivals"), &c)
        .text()
        .contains("Paper Pat")));
    let arrivals = server.get_with(&format!("{page}/arrivals"), &c).text();
    assert!(arrivals.contains("recorded by secretary") && arrivals.contains("<svg"));

    assert_eq!(
        server
            .post_form(&format!("{page}/close"), &c, &[("csrf", &csrf)])
            .status,
        303
    );
    let list = server.get_with(&format!("{page}/list"), &c);
    assert_eq!(list.status, 200);
    let list = list.text();
    for needle in [
        "Attendance list: WG 11 meeting",
        "Paper Pat",
        "Annex: the Code of Conduct acknowledged",
        "No questions.",
        "rollcall verify LIST.json --key",
    ] {
        assert!(list.contains(needle), "{needle}");
    }
    assert!(!list.contains("Provisional"));
    // The bundle records who entered Pat by hand, and verifies.
    let bundle = server.get_with(&format!("{page}/bundle.json"), &c);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&[
        "verify",
        "list.json",
        "--key",
        &server.public_key(),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["attendees"][0]["presence"], "recorded by secretary");
    assert_eq!(report["notes"][0]["recorded_by"], "sec@example.org");
    let _ = id;
}
