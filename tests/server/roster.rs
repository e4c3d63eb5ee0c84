//! The expected participants: a secretary imports the roster, the console
//! and the API match check-ins to it, the close counts who was expected,
//! present and absent in a signed close/v2, and the chair's delegation
//! snapshots are signed entries every list shows. The roster's rows are
//! personal data: the log commits only to their number and digest.

use serde_json::{json, Value};

use super::{attendee, eventually, verify_json};
use crate::support::http::Server;
use crate::support::text;

const ROSTER: &str = "Name,Organisation,Country or national body,Role,Email\r\n\
    Attendee 1,Example Standards Body,CH / SNV,delegate,ATTENDEE1@example.org\r\n\
    Attendee 2,Example Standards Body,CH / SNV,head-of-delegation,\r\n\
    ,Nobody,FR,delegate,\r\n\
    Attendee 3,Another Body,DE / DIN,Delegate,\r\n\
    Absent Person,Far Away Standards,JP / JISC,expert,absent@example.org\r\n";

fn draft(server: &Server, api: &str) -> (String, String) {
    let r = server.post_json(
        "/api/v1/meetings",
        Some(api),
        &json!({
            "title": "ISO/TC 46 plenary",
            "committee": "ISO/TC 46",
            "location": "Geneva",
            "starts_at": "2020-01-01T08:00:00+01:00",
            "ends_at": "2099-01-01T18:00:00+01:00",
            "timezone": "Europe/Zurich",
            "presence": "static",
        }),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let m = r.json();
    (
        m["id"].as_str().unwrap().to_owned(),
        m["code_sha256"].as_str().unwrap().to_owned(),
    )
}

fn open(server: &Server, api: &str, id: &str) -> String {
    let open = server.post_json(
        &format!("/api/v1/meetings/{id}/open"),
        Some(api),
        &json!({}),
    );
    assert_eq!(open.status, 200, "{}", open.text());
    let link = server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), api)
        .json();
    link["token"].as_str().unwrap().to_owned()
}

fn check_in(server: &Server, id: &str, body: &Value) -> u64 {
    let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, body);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["index"].as_u64().unwrap()
}

fn import(server: &Server, api: &str, id: &str, csv: &str) -> crate::support::http::Response {
    server.post_json(
        &format!("/api/v1/meetings/{id}/roster"),
        Some(api),
        &json!({ "csv": csv }),
    )
}

fn close(server: &Server, api: &str, id: &str) {
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(api),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

/// The payload of entry `i` of a bundle, decoded.
fn payload(bundle: &Value, i: usize) -> Value {
    let b64 = bundle["entries"][i]["envelope"]["payload"]
        .as_str()
        .unwrap();
    let bytes = rollcall::trust::encoding::unb64(b64).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn row<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {view}"))
}

#[test]
fn secretary_imports_the_roster_and_the_closed_list_shows_who_was_expected_but_absent() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);

    // Imported while a draft: the bad row is refused with its line and why.
    let r = import(&server, &api, &id, ROSTER);
    assert_eq!(r.status, 201, "{}", r.text());
    let imported = r.json();
    assert_eq!(imported["size"], 4);
    assert_eq!(imported["index"], Value::Null, "a draft has no log yet");
    assert_eq!(imported["refused"][0]["line"], 4, "{imported}");
    assert!(imported["refused"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("name is empty"));

    let token = open(&server, &api, &id);
    let one = check_in(&server, &id, &attendee(&token, &code, 1));
    let two = check_in(&server, &id, &attendee(&token, &code, 2));
    let mut three = attendee(&token, &code, 3);
    three["organization"] = json!("Another Standards Body");
    let three = check_in(&server, &id, &three);
    let walk_in = check_in(&server, &id, &attendee(&token, &code, 4));

    // Matched by email, by name and organisation; the same name from
    // another organisation is doubtful; attendee 4 is a walk-in.
    let mut view = Value::Null;
    assert!(
        eventually(|| {
            view = server
                .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
                .json();
            view["walk_ins"].as_array().map(Vec::len) == Some(2)
        }),
        "{view}"
    );
    assert_eq!(view["committed"], true, "committed when the meeting opened");
    let r1 = row(&view, "Attendee 1");
    assert_eq!(
        (&r1["status"], &r1["check_in"], &r1["matched_by"]),
        (&json!("present"), &json!(one), &json!("email"))
    );
    let r2 = row(&view, "Attendee 2");
    assert_eq!(
        (&r2["status"], &r2["matched_by"]),
        (&json!("present"), &json!("name-and-organization"))
    );
    assert_eq!(r2["check_in"], two);
    let r3 = row(&view, "Attendee 3");
    assert_eq!(
        (&r3["status"], &r3["check_in"]),
        (&json!("doubtful"), &json!(three))
    );
    assert_eq!(row(&view, "Absent Person")["status"], "absent");

    // The secretary confirms the doubtful match.
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/roster/matches"),
        Some(&api),
        &json!({"row": r3["row"], "check_in": three, "decision": "confirm"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let view = r.json();
    assert_eq!(row(&view, "Attendee 3")["matched_by"], "secretary");
    assert_eq!(view["walk_ins"][0]["index"], walk_in);
    assert_eq!(
        view["counts"],
        json!({"expected": 4, "present_room": 4, "present_remote": 0, "absent": 1, "walk_ins": 1, "repeats": 0})
    );
    let bad = server.post_json(
        &format!("/api/v1/meetings/{id}/roster/matches"),
        Some(&api),
        &json!({"row": 99, "check_in": three, "decision": "confirm"}),
    );
    assert_eq!(
        (bad.status, bad.json()["error"]["code"].clone()),
        (404, json!("no_roster_row"))
    );
    for (body, status, code) in [
        (
            json!({"row": 1, "check_in": 0, "decision": "confirm"}),
            409,
            "not_a_check_in",
        ),
        (
            json!({"row": 1, "check_in": three, "decision": "maybe"}),
            422,
            "invalid_decision",
        ),
    ] {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/roster/matches"),
            Some(&api),
            &body,
        );
        assert_eq!(
            (r.status, r.json()["error"]["code"].clone()),
            (status, json!(code)),
            "{}",
            r.text()
        );
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("roster page")
                || code == "invalid_decision",
            "{}",
            r.text()
        );
    }

    // The canonical CSV hashes to what the log commits to.
    let csv = server.get_auth(&format!("/api/v1/meetings/{id}/roster.csv"), &api);
    assert_eq!(csv.status, 200);
    assert!(csv
        .text()
        .starts_with("name,organization,country,role,email\n"));
    assert!(
        csv.text().contains(",attendee1@example.org\n"),
        "emails lower-cased"
    );
    let digest = rollcall::trust::encoding::hex(&{
        use sha2::Digest;
        let d: [u8; 32] = sha2::Sha256::digest(&csv.body).into();
        d
    });
    assert_eq!(digest, imported["sha256"].as_str().unwrap());

    close(&server, &api, &id);
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let doc = bundle.json();
    // Entry 1, right after the meeting, is the roster: no personal data.
    let roster_entry = payload(&doc, 1);
    assert_eq!(
        roster_entry["predicateType"],
        "https://rollcall.dev/roster/v1"
    );
    assert_eq!(roster_entry["predicate"]["size"], 4);
    assert!(!serde_json::to_string(&roster_entry)
        .unwrap()
        .contains("Absent"));
    let last = doc["entries"].as_array().unwrap().len() - 1;
    assert_eq!(
        payload(&doc, last)["predicateType"],
        "https://rollcall.dev/close/v2"
    );

    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(report["valid"], true);
    assert_eq!(report["rosters"][0]["sha256"], imported["sha256"]);
    assert_eq!(
        report["roster_counts"],
        json!({"expected": 4, "present_room": 4, "present_remote": 0, "absent": 1, "walk_ins": 1, "repeats": 0})
    );
    let key = server.public_key();
    let human = text(&server.cli(&["verify", "list.json", "--key", &key]).stdout);
    assert!(
        human.contains("roster       4 expected, committed by entries[1]"),
        "{human}"
    );
    assert!(
        human.contains("attendance   4 expected: 4 present in the room, 0 remotely, 1 absent, 1 not on the roster"),
        "{human}"
    );
}

#[test]
fn a_roster_nothing_of_which_can_be_read_is_refused_naming_each_line_and_the_old_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, _) = draft(&server, &api);
    let none = server.get_auth(&format!("/api/v1/meetings/{id}/roster"), &api);
    assert_eq!(
        (none.status, none.json()["error"]["code"].clone()),
        (409, json!("no_roster"))
    );

    assert_eq!(import(&server, &api, &id, ROSTER).status, 201);
    for (csv, needle) in [
        (
            "name,email\nAda,ada@example.org\n",
            "no column organisation, country, role",
        ),
        (
            "name,organization,country,role\n,X,GB,delegate\nAda,X,GB,emperor\n",
            "line 3: role \"emperor\"",
        ),
        (
            "name,organization,country,role\n\"Ada,X,GB,delegate\n",
            "Line 2: a quoted field is not closed",
        ),
    ] {
        let r = import(&server, &api, &id, csv);
        assert_eq!(r.status, 422, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "invalid_roster");
        let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(needle), "{message}");
    }
    let view = server
        .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
        .json();
    assert_eq!(view["size"], 4, "a refused file replaces nothing: {view}");
}

#[test]
fn re_importing_while_open_appends_a_roster_entry_and_the_latest_one_counts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    let token = open(&server, &api, &id);
    check_in(&server, &id, &attendee(&token, &code, 1));
    let r = import(&server, &api, &id, ROSTER);
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["index"].as_u64().is_some(), "{}", r.text());
    let smaller = "name,organization,country,role,email\nAttendee 1,Example Standards Body,CH / SNV,delegate,\n";
    let r = import(&server, &api, &id, smaller);
    assert_eq!(r.status, 201, "{}", r.text());
    close(&server, &api, &id);
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(report["rosters"].as_array().unwrap().len(), 2);
    assert_eq!(
        report["roster_counts"],
        json!({"expected": 1, "present_room": 1, "present_remote": 0, "absent": 0, "walk_ins": 0, "repeats": 0})
    );
    // Closed: no more imports.
    let late = import(&server, &api, &id, smaller);
    assert_eq!(late.status, 410, "{}", late.text());
}

#[test]
fn the_chair_reads_the_delegations_and_a_signed_snapshot_of_them_is_in_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    let token = open(&server, &api, &id);
    let mut head = attendee(&token, &code, 1);
    head["role"] = json!("head-of-delegation");
    let head = check_in(&server, &id, &head);
    check_in(&server, &id, &attendee(&token, &code, 2));
    let mut din = attendee(&token, &code, 3);
    din["country"] = json!("DE / DIN");
    check_in(&server, &id, &din);

    let mut d = Value::Null;
    assert!(
        eventually(|| {
            d = server
                .get_auth(&format!("/api/v1/meetings/{id}/delegations"), &api)
                .json();
            d["delegations"].as_array().map(Vec::len) == Some(2)
        }),
        "{d}"
    );
    assert_eq!(d["delegations"][0]["country"], "CH / SNV");
    assert_eq!(d["delegations"][0]["present"], 2);
    assert_eq!(d["delegations"][0]["heads"][0]["name"], "Attendee 1");
    assert_eq!(d["delegations"][1]["heads"], json!([]));

    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/delegations"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let index = r.json()["index"].as_u64().unwrap();
    close(&server, &api, &id);

    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let doc = bundle.json();
    let snapshot = payload(&doc, index as usize);
    assert_eq!(
        snapshot["predicateType"],
        "https://rollcall.dev/delegations/v1"
    );
    assert!(
        !serde_json::to_string(&snapshot)
            .unwrap()
            .contains("Attendee"),
        "heads by index, never by name"
    );
    // Without a roster the close is a close/v1, as before.
    let last = doc["entries"].as_array().unwrap().len() - 1;
    assert_eq!(
        payload(&doc, last)["predicateType"],
        "https://rollcall.dev/close/v1"
    );

    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(report["roster_counts"], Value::Null);
    assert_eq!(
        report["delegations"][0]["delegations"],
        json!([
            {"country": "CH / SNV", "present": 2, "heads": [head]},
            {"country": "DE / DIN", "present": 1, "heads": []},
        ])
    );
}

#[test]
fn erasing_an_attendee_erases_their_row_of_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    assert_eq!(import(&server, &api, &id, ROSTER).status, 201);
    let token = open(&server, &api, &id);
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 1),
    );
    assert_eq!(r.status, 201);
    let receipt = r.json()["receipt_id"].as_str().unwrap().to_owned();
    assert!(eventually(|| {
        server
            .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
            .json()["counts"]["absent"]
            == 3
    }));

    super::erase_by_receipt(&server, &id, &receipt, "all");

    let view = server
        .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
        .json();
    assert!(
        !view.to_string().contains("ATTENDEE1") && !view.to_string().contains("attendee1@"),
        "{view}"
    );
    let erased: Vec<&Value> = view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["erased"] == true)
        .collect();
    assert_eq!(erased.len(), 1, "{view}");
    assert_eq!(
        erased[0]["status"], "present",
        "the erased row still counts: {view}"
    );
    assert_eq!(view["counts"]["absent"], 3);
    // The canonical form can no longer be given: it held the erased values.
    let csv = server.get_auth(&format!("/api/v1/meetings/{id}/roster.csv"), &api);
    assert_eq!(csv.status, 410, "{}", csv.text());

    // The privacy notice says so.
    let notice = server.get("/privacy").text();
    assert!(
        notice.contains("roster of expected participants") && notice.contains("same schedule"),
        "{notice}"
    );
}

#[test]
fn secretary_pastes_the_roster_in_the_console_confirms_a_match_and_the_printed_list_shows_who_was_absent(
) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    let (cookie, csrf) = super::console_tools::signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let page = format!("/console/meetings/{id}/roster");

    // The meeting page links to the roster; a draft has none yet.
    let meeting = server
        .get_with(&format!("/console/meetings/{id}"), &c)
        .text();
    assert!(meeting.contains(&format!(r#"href="{page}""#)), "{meeting}");
    assert!(server
        .get_with(&page, &c)
        .text()
        .contains(r#"id="no-roster""#));

    // A file nothing of which can be read comes back with the message and
    // the text typed, nothing imported.
    let bad = server.post_form(&page, &c, &[("csrf", &csrf), ("csv", "name\nAda\n")]);
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(
        bad.text().contains("no column organisation"),
        "{}",
        bad.text()
    );
    assert!(bad.text().contains(r#"id="no-roster""#));

    let r = server.post_form(&page, &c, &[("csrf", &csrf), ("csv", ROSTER)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.text();
    assert!(
        body.contains("4 expected participant(s) imported"),
        "{body}"
    );
    assert!(
        body.contains("Line 4:") && body.contains("the name is empty"),
        "{body}"
    );

    let token = open(&server, &api, &id);
    check_in(&server, &id, &attendee(&token, &code, 1));
    let mut three = attendee(&token, &code, 3);
    three["organization"] = json!("Another Standards Body");
    let three = check_in(&server, &id, &three);
    let mut page_text = String::new();
    assert!(
        eventually(|| {
            page_text = server.get_with(&page, &c).text();
            page_text.contains(&format!("Same name as check-in {three}"))
        }),
        "{page_text}"
    );
    assert!(
        page_text.contains("Absent Person, Far Away Standards, JP / JISC (Expert)"),
        "{page_text}"
    );

    let view = server
        .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
        .json();
    let row_of_three = row(&view, "Attendee 3")["row"].to_string();
    let r = server.post_form(
        &format!("{page}/match"),
        &c,
        &[
            ("csrf", &csrf),
            ("row", &row_of_three),
            ("check_in", &three.to_string()),
            ("decision", "confirm"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = server.get_with(&page, &c).text();
    assert!(!after.contains("Same name as check-in"), "{after}");

    // The chair's delegations, and a snapshot signed from the console.
    let d = server
        .get_with(&format!("/console/meetings/{id}/delegations"), &c)
        .text();
    assert!(d.contains("<td>CH / SNV</td><td>2</td><td>2</td>"), "{d}");
    let r = server.post_form(
        &format!("/console/meetings/{id}/delegations"),
        &c,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 303, "{}", r.text());

    close(&server, &api, &id);
    let list = server
        .get_with(&format!("/console/meetings/{id}/list"), &c)
        .text();
    assert!(list.contains("Expected but absent"), "{list}");
    assert!(list.contains("Not an attestation by anyone"), "{list}");
    assert!(
        list.contains("<li>Absent Person, Far Away Standards, JP / JISC (Expert)</li>"),
        "{list}"
    );
    assert!(
        !list.contains("<li>Attendee 3,"),
        "matched by the secretary: {list}"
    );
    assert!(
        !list.contains("absent@example.org"),
        "never an email: {list}"
    );
    assert!(
        list.contains(
            "4 expected; 2 present in the room, 0 remotely; 2 absent; 0 not on the roster"
        ),
        "{list}"
    );
    assert!(
        list.contains("1 delegation(s) present: CH / SNV 2 (signed by"),
        "{list}"
    );
    let fr = server
        .get_with(
            &format!("/console/meetings/{id}/list"),
            &[("cookie", cookie.as_str()), ("accept-language", "fr")],
        )
        .text();
    assert!(fr.contains("Attendus mais absents"), "{fr}");
    let pdf = server.get_with(&format!("/console/meetings/{id}/list.pdf"), &c);
    assert_eq!(pdf.status, 200);
    let key = server.public_key();
    std::fs::write(server.dir.join("list.pdf"), &pdf.body).unwrap();
    let out = server.cli(&["verify", "list.pdf", "--key", &key]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn the_retention_job_deletes_the_roster_rows_with_the_check_ins_and_the_signed_counts_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    assert_eq!(import(&server, &api, &id, ROSTER).status, 201);
    let token = open(&server, &api, &id);
    check_in(&server, &id, &attendee(&token, &code, 1));
    close(&server, &api, &id);
    server.stop();

    // Restarted with no retention: the closed meeting's personal data go
    // before it serves.
    let server = Server::start(dir.path(), &["--retain-personal-data", "0"]);
    let view = server
        .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
        .json();
    assert_eq!(view["rows"], json!([]), "{view}");
    assert!(!view.to_string().contains("Absent Person"), "{view}");
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(
        report["roster_counts"]["absent"], 3,
        "what was signed stays"
    );
}

#[test]
fn copy_data_moves_the_roster_and_the_secretarys_matches_to_postgresql() {
    use crate::support::pg;
    if pg::suite_on_postgres() {
        eprintln!("note: skipping the SQLite-to-PostgreSQL copy here: it runs in the SQLite suite");
        return;
    }
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut old = Server::start(dir.path(), &[]);
    let api = old.token("t");
    let (id, code) = draft(&old, &api);
    assert_eq!(import(&old, &api, &id, ROSTER).status, 201);
    let token = open(&old, &api, &id);
    let mut three = attendee(&token, &code, 3);
    three["organization"] = json!("Another Standards Body");
    let three = check_in(&old, &id, &three);
    let mut before = Value::Null;
    assert!(eventually(|| {
        before = old
            .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
            .json();
        row(&before, "Attendee 3")["status"] == "doubtful"
    }));
    let r = old.post_json(
        &format!("/api/v1/meetings/{id}/roster/matches"),
        Some(&api),
        &json!({"row": row(&before, "Attendee 3")["row"], "check_in": three, "decision": "confirm"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let before = r.json();
    old.stop();

    let out = old.cli(&[
        "copy-data",
        "--from",
        "data",
        "--to",
        &url,
        "--keys",
        "keys",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    pg::remember(dir.path(), &url);
    let new = Server::start(dir.path(), &[]);
    let after = new
        .get_auth(&format!("/api/v1/meetings/{id}/roster"), &api)
        .json();
    assert_eq!(
        after, before,
        "the roster, its rows and the confirmed match"
    );
}

#[test]
fn a_roster_imported_before_a_restart_is_counted_by_the_close_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let api = server.token("secretary");
    let (id, code) = draft(&server, &api);
    let token = open(&server, &api, &id);
    check_in(&server, &id, &attendee(&token, &code, 1));
    let r = import(&server, &api, &id, ROSTER);
    assert_eq!(r.status, 201, "{}", r.text());
    server.stop();

    let server = Server::start(dir.path(), &[]);
    let mut two = attendee(&token, &code, 2);
    two["token"] = json!(server
        .get_auth(&format!("/api/v1/meetings/{id}/checkin-link"), &api)
        .json()["token"]
        .clone());
    check_in(&server, &id, &two);
    close(&server, &api, &id);
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let report = verify_json(&server, "list.json", &bundle.body);
    assert_eq!(
        report["roster_counts"],
        json!({"expected": 4, "present_room": 2, "present_remote": 0, "absent": 2, "walk_ins": 0, "repeats": 0})
    );
}
