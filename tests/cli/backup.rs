//! `rollcall backup`: a consistent copy of a running server's database,
//! restored into a server whose lists still verify.

use std::sync::{Arc, Mutex};

use crate::server::{attendee, hammer, open_meeting};
use crate::support::http::Server;
use crate::support::{rollcall, text};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_backup_taken_during_check_ins_restores_to_a_server_whose_list_verifies() {
    if !crate::support::on_sqlite("rollcall backup (it copies the SQLite file)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = server.token("ci");
    let (id, token, code) = open_meeting(&server, &api, "static");
    for n in 0..20 {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &attendee(&token, &code, n),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }

    // Check-ins keep arriving while the backup is taken.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let workers = hammer(
        &server.addr,
        (&id, &token, &code),
        4,
        150,
        1000,
        &acknowledged,
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    let out = rollcall(&["backup", "backup.db", "--data", "data"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains("Backed up 1 meetings and")
            && said.contains("integrity check of the copy passed")
            && said.contains("keys directory"),
        "{said}"
    );
    for w in workers {
        w.join().unwrap();
    }
    let during = acknowledged.lock().unwrap().len();
    assert!(during > 0, "check-ins went on during the backup");

    // A backup never overwrites a file.
    let again = rollcall(&["backup", "backup.db", "--data", "data"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("backup.db already exists"));
    let nowhere = rollcall(
        &["backup", "no/such/dir/b.db", "--data", "data"],
        dir.path(),
    );
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(
        text(&nowhere.stderr).contains("the directory no/such/dir does not exist"),
        "{}",
        text(&nowhere.stderr)
    );

    // Restored elsewhere, with the same keys: the server starts, the log
    // goes on, and the closed list verifies.
    let key = server.public_key();
    let restored = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(restored.path().join("data")).unwrap();
    std::fs::copy(
        dir.path().join("backup.db"),
        restored.path().join("data/rollcall.db"),
    )
    .unwrap();
    copy_dir(&dir.path().join("keys"), &restored.path().join("keys"));
    let second = Server::start(restored.path(), &[]);
    let late = second.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &attendee(&token, &code, 5000),
    );
    assert_eq!(late.status, 201, "{}", late.text());
    let close = second.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &serde_json::json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    let export = second.cli(&[
        "export",
        &id,
        "--data",
        "data",
        "--keys",
        "keys",
        "-o",
        "list.json",
    ]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let verify = second.cli(&["verify", "list.json", "--key", &key, "--json"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    let n = report["attendees"].as_array().unwrap().len();
    eprintln!("restored list: {n} check-ins; {during} acknowledged while the backup was taken");
    // The 20 from before, whatever of the rest was committed when the copy
    // began, and the one after the restore.
    assert!(
        (21..=20 + during + 1).contains(&n),
        "{n} check-ins in the restored list"
    );
}
