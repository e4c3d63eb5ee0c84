//! Storage faults: a full disk and a read-only database. Check-ins are
//! refused with a clear 503 while the fault lasts, nothing half-written is
//! left behind, and the log continues consistently once the fault clears.

use std::os::unix::process::CommandExt;
use std::process::Command;

use serde_json::json;

use super::{attendee, checkpoint_extends, open_meeting};
use crate::support::http::Server;

/// Starts the server with SIGXFSZ ignored, so that writes past the file
/// size limit fail with EFBIG instead of killing it (as ENOSPC would fail
/// them on a full disk).
fn start_limitable(dir: &std::path::Path) -> Server {
    Server::start_with(dir, &["--checkin-rate", "0"], |c: &mut Command| {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
    })
}

/// Sets the running server's file size limit (RLIMIT_FSIZE) with
/// prlimit(2): `Some(0)` makes every write to a file fail, `None` lifts it.
fn limit_file_size(server: &Server, bytes: Option<u64>) {
    let limit = libc::rlimit {
        rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY),
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: prlimit on our own child with a valid rlimit and no old value.
    let r = unsafe {
        libc::prlimit(
            server.child.id() as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &limit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(r, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// Asserts a refused check-in is a 503 that names the problem and what to do.
fn assert_storage_refusal(r: &crate::support::http::Response) {
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some(), "{:?}", r.headers);
    let e = r.json();
    assert_eq!(e["error"]["code"], "storage_unavailable", "{e}");
    let message = e["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("its disk is full or read-only"),
        "{message}"
    );
    assert!(message.contains("nothing was recorded"), "{message}");
    assert!(message.contains("try again"), "{message}");
}

/// The attendee names in a verified export, by `rollcall verify --json`.
fn verified_names(server: &Server, api: &str, id: &str) -> Vec<String> {
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), api);
    assert_eq!(bundle.status, 200, "{}", bundle.text());
    std::fs::write(server.dir.join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&[
        "verify",
        "list.json",
        "--key",
        &server.public_key(),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert!(v.status.success(), "{report}");
    assert_eq!(report["valid"], true, "{report}");
    report["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fields"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Check-ins for attendees `range`, returning how many were answered 201.
fn check_in_all(server: &Server, id: &str, token: &str, code: &str, range: std::ops::Range<usize>) {
    for n in range {
        let r = server.post_json(
            &format!("/api/v1/meetings/{id}/checkins"),
            None,
            &attendee(token, code, n),
        );
        assert_eq!(r.status, 201, "attendee {n}: {}", r.text());
    }
}

#[test]
fn a_full_disk_refuses_check_ins_with_503_and_the_log_continues_after() {
    if !crate::support::on_sqlite("the full-disk test (PostgreSQL's outage has its own)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start_limitable(dir.path());
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    check_in_all(&server, &id, &token, &code, 0..5);
    assert!(super::eventually(|| server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json()["size"]
        == 6));
    let before = server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json();

    // The disk fills up: no file may grow any more.
    limit_file_size(&server, Some(0));
    for n in 100..120 {
        let r = server.post_json(&path, None, &attendee(&token, &code, n));
        assert_storage_refusal(&r);
    }
    // The check-in page says so too, in words.
    let page = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("name", "Attendee 200"),
            ("organization", "Example Standards Body"),
            ("country", "CH / SNV"),
            ("role", "delegate"),
            ("email", "attendee200@example.org"),
            ("acknowledged", "yes"),
            ("code_sha256", &code),
        ],
    );
    assert_eq!(page.status, 503, "{}", page.text());
    assert!(page
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    assert!(
        page.text().contains("its disk is full or read-only"),
        "{}",
        page.text()
    );
    // Reading still works: the public checkpoint is unchanged.
    let during = server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json();
    assert_eq!(during["checkpoint"], before["checkpoint"]);

    // Space returns: check-ins are recorded again, with no retry needed.
    limit_file_size(&server, None);
    check_in_all(&server, &id, &token, &code, 5..10);
    // A refused attendee may simply try again.
    check_in_all(&server, &id, &token, &code, 100..101);

    // The log continues where it was: the new checkpoint provably extends
    // the one from before the fault, and the list verifies with exactly the
    // acknowledged check-ins, none of the refused ones.
    assert!(super::eventually(|| server
        .get(&format!("/api/v1/meetings/{id}/checkpoint"))
        .json()["size"]
        == 12));
    checkpoint_extends(
        &server,
        &id,
        before["checkpoint"].as_str().unwrap(),
        &[&server.public_key()],
    );
    let close = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    let mut names = verified_names(&server, &api, &id);
    names.sort();
    let mut expected: Vec<String> = (0..10)
        .chain(100..101)
        .map(|n| format!("Attendee {n}"))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn a_read_only_database_refuses_check_ins_with_503_and_recovers() {
    if !crate::support::on_sqlite("the read-only file test (PostgreSQL's outage has its own)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--checkin-rate", "0"]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let path = format!("/api/v1/meetings/{id}/checkins");
    check_in_all(&server, &id, &token, &code, 0..3);

    // The database files become read-only while open. Permission bits do
    // not stop root (tests run as root in CI), so use the immutable
    // attribute, which stops every writer on the spot.
    let data = dir.path().join("data");
    let files: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        // The database and its write-ahead log. Not the `-shm` index: SQLite
        // maps it into memory, and a write fault on a mapping of an
        // immutable file is a SIGBUS no program can answer (see
        // docs/TRUST-AND-PERFORMANCE.md).
        .filter(|p| p.ends_with(".db") || p.ends_with(".db-wal"))
        .collect();
    assert_eq!(files.len(), 2, "the database and its log in {data:?}");
    let chattr = |flag: &str| {
        let mut command = Command::new("chattr");
        command.arg(flag).args(&files);
        crate::support::http::output_within(&mut command, std::time::Duration::from_secs(30))
    };
    let set = chattr("+i");
    if !set.status.success() {
        // Not root, or a file system without the attribute (tmpfs).
        crate::support::missing(&format!(
            "`chattr +i` on the database (root, on ext4/xfs/btrfs): {}",
            String::from_utf8_lossy(&set.stderr).trim()
        ));
        return;
    }
    let refused: Vec<_> = (100..110)
        .map(|n| server.post_json(&path, None, &attendee(&token, &code, n)))
        .collect();
    let unset = chattr("-i");
    assert!(unset.status.success());
    for r in &refused {
        assert_storage_refusal(r);
    }

    check_in_all(&server, &id, &token, &code, 3..6);
    let close = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(close.status, 200, "{}", close.text());
    let mut names = verified_names(&server, &api, &id);
    names.sort();
    let mut expected: Vec<String> = (0..6).map(|n| format!("Attendee {n}")).collect();
    expected.sort();
    assert_eq!(names, expected);
}
