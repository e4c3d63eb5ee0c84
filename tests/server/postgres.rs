//! Several rollcall instances on one PostgreSQL database, and PostgreSQL
//! going away under load: a real server from Debian's `postgresql`, started
//! for the tests (tests/support/pg.rs). Without it these tests skip, saying
//! so in one line, unless `ROLLCALL_TEST_REQUIRE_ALL` is set.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::{checkpoint_extends, hammer, open_meeting};
use crate::support::http::{kill_and_reap, Server};
use crate::support::pg;

/// A test directory whose servers use a fresh database of the shared
/// cluster; `None` without PostgreSQL.
fn on_postgres() -> Option<tempfile::TempDir> {
    let url = pg::fresh_database()?;
    let dir = tempfile::tempdir().unwrap();
    pg::remember(dir.path(), &url);
    Some(dir)
}

/// Closes the meeting through `server`, exports its bundle and verifies it
/// with the CLI; returns the bundle.
fn close_and_verify(server: &Server, api: &str, id: &str) -> rollcall::trust::bundle::Bundle {
    let r = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(api),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), api);
    assert_eq!(bundle.status, 200);
    std::fs::write(server.dir.join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&["verify", "list.json", "--key", &server.public_key()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    serde_json::from_slice(&bundle.body).unwrap()
}

/// Every checkpoint in the final list is signed and proven consistent with
/// the final one by the public endpoint of each instance, which answer
/// alike.
fn checkpoints_agree(servers: &[&Server], id: &str, b: &rollcall::trust::bundle::Bundle) {
    let key = servers[0].public_key();
    let mut sizes = std::collections::HashSet::new();
    for e in &b.earlier_checkpoints {
        let size = rollcall::trust::checkpoint::verify_checkpoint(
            &e.checkpoint,
            &[rollcall::trust::keys::PublicKey::parse(&key).unwrap()],
        )
        .unwrap()
        .checkpoint
        .size;
        assert!(sizes.insert(size), "two checkpoints of size {size}");
        let answers: Vec<String> = servers
            .iter()
            .map(|s| {
                checkpoint_extends(s, id, &e.checkpoint, &[&key]);
                s.get(&format!("/api/v1/meetings/{id}/checkpoint?from={size}"))
                    .text()
            })
            .collect();
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "the instances answer the consistency request from {size} alike"
        );
    }
}

#[test]
fn two_instances_take_check_ins_for_one_meeting_and_its_list_verifies() {
    let Some(dir) = on_postgres() else { return };
    let a = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let b = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = a.token("t");
    let (id, token, code) = open_meeting(&a, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut workers = hammer(&a.addr, (&id, &token, &code), 3, 60, 0, &acknowledged);
    workers.extend(hammer(
        &b.addr,
        (&id, &token, &code),
        3,
        60,
        10_000,
        &acknowledged,
    ));
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(
        acknowledged.len(),
        360,
        "every check-in on either instance is acknowledged"
    );
    // Each receipt is served by both instances, whichever took it.
    for r in acknowledged.iter().step_by(37) {
        assert_eq!(a.get(&format!("/api/v1/receipts/{r}")).status, 200);
        assert_eq!(b.get(&format!("/api/v1/receipts/{r}")).status, 200);
    }
    // The API token made on one instance works on the other, and so do a
    // secretary's session and its CSRF token: signed in on one, signed out
    // on the other, and then signed out on both.
    assert_eq!(b.get_auth("/api/v1/meetings", &api).status, 200);
    super::auth::setup(&b);
    let cookie = super::auth::login(&b);
    let page = a.get_with("/console", &[("cookie", &cookie)]);
    assert_eq!(page.status, 200, "the session works on the other instance");
    let out = a.post_form(
        "/logout",
        &[("cookie", &cookie)],
        &[("csrf", &super::auth::csrf(&page.text()))],
    );
    assert_eq!(out.status, 303, "{}", out.text());
    assert_ne!(b.get_with("/console", &[("cookie", &cookie)]).status, 200);
    std::thread::sleep(Duration::from_millis(1500));
    let bundle = close_and_verify(&b, &api, &id);
    assert_eq!(bundle.entries.len(), 362, "meeting + 360 check-ins + close");
    checkpoints_agree(&[&a, &b], &id, &bundle);
}

#[test]
fn an_instance_killed_under_load_loses_nothing_and_the_other_goes_on() {
    let Some(dir) = on_postgres() else { return };
    let mut a = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let b = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = a.token("t");
    let (id, token, code) = open_meeting(&a, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let on_a = hammer(&a.addr, (&id, &token, &code), 3, 5000, 0, &acknowledged);
    let on_b = hammer(
        &b.addr,
        (&id, &token, &code),
        3,
        300,
        100_000,
        &acknowledged,
    );
    std::thread::sleep(Duration::from_millis(700));
    kill_and_reap(&mut a.child);
    for w in on_a.into_iter().chain(on_b) {
        let _ = w.join();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 900,
        "the load ran on both ({} check-ins)",
        acknowledged.len()
    );
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|r| b.get(&format!("/api/v1/receipts/{r}")).status != 200)
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged check-ins lost",
        lost.len(),
        acknowledged.len()
    );
    // The killed instance comes back and takes check-ins again.
    let a = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let more = Arc::new(Mutex::new(Vec::<String>::new()));
    for w in hammer(&a.addr, (&id, &token, &code), 2, 20, 200_000, &more) {
        w.join().unwrap();
    }
    assert_eq!(more.lock().unwrap().len(), 40);
    std::thread::sleep(Duration::from_millis(1500));
    let bundle = close_and_verify(&b, &api, &id);
    let listed = bundle.entries.len() - 2;
    // Requests cut off by the kill may be recorded without an answer.
    assert!(listed >= acknowledged.len() + 40, "{listed} listed");
    checkpoints_agree(&[&a, &b], &id, &bundle);
    println!(
        "two instances, one killed: acknowledged {} + 40 after its restart, lost 0, listed {listed}; {} checkpoints consistent",
        acknowledged.len(),
        bundle.earlier_checkpoints.len() + 1
    );
}

#[test]
fn postgresql_restarted_under_load_refuses_with_503_then_resumes_by_itself() {
    let Some(cluster) = pg::Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    pg::remember(dir.path(), &cluster.database());
    let server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let statuses = Arc::new(Mutex::new(Vec::<(u16, String)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let (addr, path) = (
                server.addr.clone(),
                format!("/api/v1/meetings/{id}/checkins"),
            );
            let (token, code) = (token.clone(), code.clone());
            let (ack, statuses, stop) = (acknowledged.clone(), statuses.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 100_000 {
                    n += 1;
                    let body = super::attendee(&token, &code, w * 100_000 + n).to_string();
                    let r = crate::support::http::request(
                        &addr,
                        "POST",
                        &path,
                        &[("content-type", "application/json")],
                        body.as_bytes(),
                    );
                    if r.status == 201 {
                        ack.lock()
                            .unwrap()
                            .push(r.json()["receipt_id"].as_str().unwrap().to_owned());
                    } else {
                        let error = r.json()["error"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        statuses.lock().unwrap().push((r.status, error));
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = acknowledged.lock().unwrap().len();
    cluster.stop();
    // Longer than the 3 s a request waits for a connection.
    std::thread::sleep(Duration::from_millis(4500));
    cluster.run();
    // Check-ins resume by themselves: wait (bounded) for new ones.
    let resumed = super::eventually(|| acknowledged.lock().unwrap().len() > before + 200);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert!(resumed, "check-ins resumed after PostgreSQL came back");
    let statuses = statuses.lock().unwrap().clone();
    assert!(
        !statuses.is_empty(),
        "requests during the outage were refused"
    );
    for (status, error) in &statuses {
        assert_eq!(
            (*status, error.as_str()),
            (503, "storage_unavailable"),
            "every refusal during the outage is 503 storage_unavailable"
        );
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let lost = acknowledged
        .iter()
        .filter(|r| server.get(&format!("/api/v1/receipts/{r}")).status != 200)
        .count();
    assert_eq!(lost, 0, "acknowledged check-ins lost");
    let bundle = close_and_verify(&server, &api, &id);
    assert_eq!(
        bundle.entries.len() - 2,
        acknowledged.len(),
        "nothing half-written"
    );
    println!(
        "PostgreSQL restarted under load: {} acknowledged, {} refused with 503 during the outage, 0 lost",
        acknowledged.len(),
        statuses.len()
    );
}

#[test]
fn an_sqlite_installation_moves_to_postgresql_with_copy_data_and_its_lists_are_identical() {
    if crate::support::pg::suite_on_postgres() {
        eprintln!("note: skipping the SQLite-to-PostgreSQL copy here: it runs in the SQLite suite");
        return;
    }
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut old = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = old.token("t");
    let (id, token, code) = open_meeting(&old, &api, "static");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    for w in hammer(&old.addr, (&id, &token, &code), 2, 25, 0, &acknowledged) {
        w.join().unwrap();
    }
    let r = old.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(r.status, 200);
    let before = old
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .body;
    old.stop();

    let copy = |to: &str| old.cli(&["copy-data", "--from", "data", "--to", to, "--keys", "keys"]);
    let out = copy(&url);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Proved: the signed list of each of the 1 opened meetings is byte-identical"),
        "{said}"
    );
    // A second copy into the same database is refused, and changes nothing.
    let again = copy(&url);
    let refusal = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(!again.status.success());
    assert!(refusal.contains("already holds rollcall data"), "{refusal}");
    let bad = copy("mysql://x");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a database URL"));

    // The server on PostgreSQL serves the same list, receipts and token.
    pg::remember(dir.path(), &url);
    let new = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let after = new.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    assert_eq!(after.status, 200, "the old API token works");
    assert_eq!(after.body, before, "the list is byte-identical");
    for r in acknowledged.lock().unwrap().iter() {
        assert_eq!(new.get(&format!("/api/v1/receipts/{r}")).status, 200);
    }
}

#[test]
fn a_returning_attendee_is_recognised_by_every_instance_until_their_email_is_erased() {
    let Some(dir) = on_postgres() else { return };
    let a = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let b = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = a.token("t");
    let (id, token, code) = open_meeting(&a, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    let ada = super::attendee(&token, &code, 7);
    let first = a.post_json(&path, None, &ada);
    assert_eq!(first.status, 201, "{}", first.text());
    let receipt = first.json()["receipt_id"].as_str().unwrap().to_owned();
    // The same person at the other instance gets her own receipt back.
    let again = b.post_json(&path, None, &ada);
    assert!(
        again.status == 200 || again.status == 201,
        "{}",
        again.text()
    );
    assert_eq!(
        again.json()["receipt_id"],
        receipt.as_str(),
        "recognised across instances"
    );
    // Her email is erased (by the operator's command, beside both servers).
    let erased = a.cli(&[
        "erase",
        &id,
        "--email",
        "attendee7@example.org",
        "--data",
        "data",
    ]);
    assert!(
        erased.status.success(),
        "{}",
        String::from_utf8_lossy(&erased.stderr)
    );
    // The instance that recognised her no longer does.
    let after = b.post_json(&path, None, &ada);
    assert_eq!(after.status, 201, "{}", after.text());
    assert_ne!(
        after.json()["receipt_id"],
        receipt.as_str(),
        "an erased email recognises no one"
    );
}

#[test]
fn two_instances_started_at_the_same_moment_on_an_empty_database_both_serve() {
    let Some(dir) = on_postgres() else { return };
    // The keys are made first: instances share the directory.
    let keys = crate::support::rollcall(&["keys", "init", "--keys", "keys"], dir.path());
    assert!(
        keys.status.success(),
        "{}",
        String::from_utf8_lossy(&keys.stderr)
    );
    let path = dir.path().to_owned();
    let starts: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Server::start(&path, &["--checkin-rate", "0"]))
        })
        .collect();
    let servers: Vec<Server> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    let api = servers[0].token("t");
    let (id, token, code) = open_meeting(&servers[1], &api, "static");
    for (n, s) in servers.iter().enumerate() {
        let r = s.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &super::attendee(&token, &code, n),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
}

#[test]
fn a_session_opened_on_one_instance_takes_check_ins_on_the_other_and_a_strike_there_counts() {
    let Some(dir) = on_postgres() else { return };
    let a = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let b = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = a.token("t");
    let (id, token, code) = open_meeting(&a, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    let sessions = format!("/api/v1/meetings/{id}/sessions");
    let day = serde_json::json!({"name": "Day 1", "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T17:00"});
    assert_eq!(a.post_json(&sessions, Some(&api), &day).status, 201);
    let opened = a.post_json(
        &format!("{sessions}/1/open"),
        Some(&api),
        &serde_json::json!({}),
    );
    assert_eq!(opened.status, 200, "{}", opened.text());
    // Instance b learns of the open session from the log.
    let ada = super::attendee(&token, &code, 1);
    let first = b.post_json(&path, None, &ada);
    assert_eq!(first.status, 201, "{}", first.text());
    let index = first.json()["index"].as_u64().unwrap();
    let again = a.post_json(&path, None, &ada);
    assert_eq!(again.json()["receipt_id"], first.json()["receipt_id"]);
    // Closed on b, the session no longer takes check-ins on a.
    let closed = b.post_json(
        &format!("{sessions}/1/close"),
        Some(&api),
        &serde_json::json!({}),
    );
    assert_eq!(closed.status, 200, "{}", closed.text());
    let between = a.post_json(&path, None, &super::attendee(&token, &code, 2));
    assert_eq!(between.status, 409, "{}", between.text());
    // An amendment on a names the check-in b recorded.
    let strike = serde_json::json!({"check_in": index, "action": "strike", "reason": "a test"});
    let r = a.post_json(
        &format!("/api/v1/meetings/{id}/amendments"),
        Some(&api),
        &strike,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let r = b.post_json(
        &format!("/api/v1/meetings/{id}/amendments"),
        Some(&api),
        &strike,
    );
    assert_eq!(r.status, 409, "struck on a, refused on b: {}", r.text());
    let close = a.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &serde_json::json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    let bundle = b.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let out = b.cli(&["verify", "list.json", "--key", &b.public_key(), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["sessions"][0]["check_ins"], 1);
    assert_eq!(report["attendees"][0]["struck"], true);
}
