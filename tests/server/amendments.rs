//! A secretary corrects a check-in or strikes one recorded in error, while
//! the meeting is open: a signed amendment naming the original, which every
//! list shows, which `rollcall verify` checks, and whose corrected values
//! are erased with the attendee's.

use serde_json::{json, Value};

use super::console_tools::signed_in;
use super::{amend_committed, attendee, eventually, open_meeting, verify_json};
use crate::support::http::Server;
use crate::support::text;

fn amend(server: &Server, api: &str, id: &str, body: Value) -> crate::support::http::Response {
    server.post_json(
        &format!("/api/v1/meetings/{id}/amendments"),
        Some(api),
        &body,
    )
}

/// Three check-ins through the API, committed; returns their log indices.
fn three_check_ins(server: &Server, api: &str) -> (String, Vec<u64>) {
    let (id, token, code) = open_meeting(server, api, "static");
    let mut indices = Vec::new();
    for n in 1..=3 {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &attendee(&token, &code, n),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        indices.push(r.json()["index"].as_u64().unwrap());
    }
    (id, indices)
}

#[test]
fn secretary_corrects_a_misspelled_name_and_strikes_a_test_check_in_and_every_list_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, idx) = three_check_ins(&server, &api);

    let fixed = amend_committed(
        &server,
        &api,
        &id,
        json!({"check_in": idx[0], "action": "correct", "reason": "name misspelled on the form",
               "name": "Attendee One", "role": "head-of-delegation"}),
    );
    amend_committed(
        &server,
        &api,
        &id,
        json!({"check_in": idx[2], "action": "strike", "reason": "a test check-in by the secretary"}),
    );

    // What cannot be amended is refused, naming why; nothing is appended.
    for (body, status, code) in [
        (
            json!({"check_in": idx[2], "action": "strike", "reason": "again"}),
            409,
            "struck",
        ),
        (
            json!({"check_in": 0, "action": "strike", "reason": "r"}),
            404,
            "not_a_check_in",
        ),
        (
            json!({"check_in": idx[1], "action": "correct", "reason": ""}),
            422,
            "invalid_fields",
        ),
        (
            json!({"check_in": idx[1], "action": "correct", "reason": "r"}),
            422,
            "invalid_fields",
        ),
        (
            json!({"check_in": idx[1], "action": "strike", "reason": "r", "name": "X"}),
            422,
            "invalid_fields",
        ),
        (
            json!({"check_in": idx[1], "action": "delete", "reason": "r"}),
            422,
            "invalid_fields",
        ),
        (
            json!({"check_in": idx[1], "action": "correct", "reason": "r", "role": "emperor"}),
            422,
            "invalid_fields",
        ),
    ] {
        let r = amend(&server, &api, &id, body.clone());
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], code, "{body}: {}", r.text());
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.len() > 10),
            "{}",
            r.text()
        );
    }

    // The projector's count leaves the struck check-in out.
    let (cookie, _) = signed_in(&server);
    let present = server
        .get_with(
            &format!("/console/meetings/{id}/present.json"),
            &[("cookie", cookie.as_str())],
        )
        .json();
    assert_eq!(present["count"], 2, "{present}");

    let close = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    // Once closed, nothing more is amended.
    let late = amend(
        &server,
        &api,
        &id,
        json!({"check_in": idx[1], "action": "strike", "reason": "too late"}),
    );
    assert_eq!(late.status, 410, "{}", late.text());

    // The bundle verifies with the CLI, which reports the amendments.
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(report["valid"], true);
    assert_eq!(report["amendments"].as_array().unwrap().len(), 2);
    assert_eq!(report["amendments"][0]["index"], fixed["index"]);
    assert_eq!(report["amendments"][0]["amends"], idx[0]);
    assert_eq!(report["amendments"][1]["action"], "strike");
    let first = &report["attendees"][0];
    assert_eq!(
        first["fields"]["name"], "Attendee 1",
        "what the attendee signed stays"
    );
    assert_eq!(first["corrected"]["name"], "Attendee One");
    assert_eq!(first["corrected"]["role"], "head-of-delegation");
    assert_eq!(report["attendees"][2]["struck"], true);
    let key = server.public_key();
    let human = server.cli(&["verify", "list.json", "--key", &key]);
    let human = text(&human.stdout);
    assert!(
        human.contains("amendments   2 by the secretary: 1 correction(s), 1 check-in(s) struck"),
        "{human}"
    );

    // CSV: corrected values, named; the struck check-in marked.
    let csv = server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(",corrected,struck,session"), "{csv}");
    assert!(
        lines[1].contains(",Attendee One,") && lines[1].contains(",head-of-delegation,"),
        "{csv}"
    );
    assert!(lines[1].ends_with(",name role,false,"), "{csv}");
    assert!(lines[3].ends_with(",true,"), "{csv}");

    // The printed list: the corrected value marked, the struck one out of
    // the count, each amendment with its reason; in French too.
    let c = [("cookie", cookie.as_str())];
    let list = server
        .get_with(&format!("/console/meetings/{id}/list"), &c)
        .text();
    assert!(
        list.contains(r#"Attendee One <em class="corrected">(corrected)</em>"#),
        "{list}"
    );
    assert!(
        list.contains("2 (2 in the room, 0 remote); 1 struck as recorded in error"),
        "{list}"
    );
    assert!(
        list.contains("Reason: a test check-in by the secretary"),
        "{list}"
    );
    assert!(
        list.contains(r#"<tr class="struck"><td>struck</td>"#),
        "{list}"
    );
    let fr = server
        .get_with(
            &format!("/console/meetings/{id}/list"),
            &[("cookie", cookie.as_str()), ("accept-language", "fr")],
        )
        .text();
    assert!(fr.contains("Corrections du secrétariat"), "{fr}");
    assert!(fr.contains("(corrigé)"), "{fr}");
}

#[test]
fn secretary_corrects_from_the_console_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, idx) = three_check_ins(&server, &api);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];

    // The arrivals page links each check-in to its correction form once
    // the list shows it.
    let link = format!("/console/meetings/{id}/amend?check_in={}", idx[1]);
    assert!(eventually(|| server
        .get_with(&format!("/console/meetings/{id}/arrivals"), &c)
        .text()
        .contains(&link.replace('&', "&amp;"))));
    let form = server.get_with(&link, &c);
    assert_eq!(form.status, 200);
    let form = form.text();
    assert!(form.contains(r#"value="Attendee 2""#), "{form}");

    // A reason is required: the form comes back saying so.
    let fields = |reason: &'static str, org: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("check_in", idx[1].to_string()),
            ("action", "correct".to_owned()),
            ("reason", reason.to_owned()),
            ("name", "Attendee 2".to_owned()),
            ("organization", org.to_owned()),
            ("country", "CH / SNV".to_owned()),
            ("role", "delegate".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let post = |v: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        server.post_form(&format!("/console/meetings/{id}/amend"), &c, &pairs)
    };
    let r = post(as_refs(&fields("", "Example Standards Body")));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("Reason is required"), "{}", r.text());
    // Unchanged values only: nothing to correct.
    let r = post(as_refs(&fields("typo", "Example Standards Body")));
    assert_eq!(r.status, 422, "{}", r.text());

    let r = post(as_refs(&fields("organisation was wrong", "SNV")));
    assert_eq!(r.status, 303, "{}", r.text());
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let report = verify_json(&server, "list.json", &bundle.body);
    // Only the organisation is signed as corrected.
    assert!(
        eventually(|| {
            let b = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
            let r = verify_json(&server, "list.json", &b.body);
            r["attendees"][1]["corrected"] == json!({"organization": "SNV"})
        }),
        "{report}"
    );
    let arrivals = server
        .get_with(&format!("/console/meetings/{id}/arrivals"), &c)
        .text();
    assert!(arrivals.contains("SNV <em>(corrected)</em>"), "{arrivals}");
}

#[test]
fn erasing_an_attendee_erases_the_values_a_correction_gave_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 7),
    );
    assert_eq!(r.status, 201);
    let receipt = r.json()["receipt_id"].as_str().unwrap().to_owned();
    let check_in = r.json()["index"].as_u64().unwrap();
    amend_committed(
        &server,
        &api,
        &id,
        json!({"check_in": check_in, "action": "correct", "reason": "typo",
               "name": "Zebediah Quuxwright"}),
    );
    // Entries: the meeting, the check-in, the correction.
    let mut disclosure = String::new();
    assert!(eventually(|| {
        let b = server.get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api);
        let doc = b.json();
        match doc["entries"][2]["disclosures"][0].as_str() {
            Some(d) => {
                disclosure = d.to_owned();
                true
            }
            None => false,
        }
    }));
    let decoded = rollcall::trust::disclosure::Disclosure::parse(&disclosure).unwrap();
    assert_eq!(
        (decoded.field.as_str(), decoded.value.as_str()),
        ("name", "Zebediah Quuxwright")
    );

    let sqlite = crate::support::on_sqlite("the check of the database file's bytes");
    if sqlite {
        assert!(super::personal_data::in_database_files(
            &server.dir.join("data"),
            &disclosure
        ));
    }
    super::erase_by_receipt(&server, &id, &receipt, "all");

    let b = server.get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api);
    let doc = b.json();
    assert_eq!(doc["entries"][2]["disclosures"], json!([]), "{doc}");
    assert_eq!(doc["entries"][2]["erased"], json!(["name"]), "{doc}");
    assert!(!b.text().contains(&disclosure));
    let report = verify_json(&server, "after.json", &b.body);
    assert_eq!(report["amendments"][0]["erased"], json!(["name"]));
    if sqlite {
        assert!(eventually(|| !super::personal_data::in_database_files(
            &server.dir.join("data"),
            &disclosure
        )));
    }
}
