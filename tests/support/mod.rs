//! Shared helpers: a meeting recorded with the real trust core, and the real binary.

#![allow(dead_code)]

pub mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rollcall::trust::bundle::Bundle;
use rollcall::trust::code::CodeDocument;
use rollcall::trust::keys::Signer;
use rollcall::trust::recorder::{CheckIn, Recorder};
use rollcall::trust::statement::{Meeting, Presence};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const HOST: &str = "rollcall.test";

pub fn meeting(id: &str) -> Meeting {
    Meeting {
        id: id.to_owned(),
        title: "ISO/TC 46 plenary".to_owned(),
        committee: "ISO/TC 46".to_owned(),
        location: "Geneva, CICG room 3".to_owned(),
        starts_at: datetime!(2026-12-01 09:00 +01:00),
        ends_at: datetime!(2026-12-01 17:00 +01:00),
        timezone: "Europe/Zurich".to_owned(),
    }
}

pub fn opened_at() -> OffsetDateTime {
    datetime!(2026-12-01 07:55 UTC)
}

/// A check-in by attendee number `i`.
pub fn attendee(i: usize) -> (String, String) {
    (format!("Attendee {i}"), format!("attendee{i}@example.org"))
}

/// Records a meeting with `n` check-ins, a checkpoint after the first
/// two, notes and (if `close`) the close.
pub fn recorded_meeting<'a>(signer: &'a Signer, id: &str, n: usize, close: bool) -> Recorder<'a> {
    let mut r = Recorder::open(
        signer,
        rand_core::OsRng,
        HOST,
        meeting(id),
        CodeDocument::iso(),
        vec!["en".into()],
        opened_at(),
    );
    for i in 0..n {
        let (name, email) = attendee(i);
        let now = opened_at() + Duration::minutes(10) + Duration::seconds(i as i64);
        r.check_in(
            &CheckIn {
                name: &name,
                organization: "Example Standards Body",
                country: "CH / SNV",
                email: Some(&email),
                role: "delegate",
                presence: Presence::RotatingQr {
                    not_before: now - Duration::seconds(30),
                    not_after: now + Duration::seconds(90),
                },
                language: "en",
                share_email: false,
            },
            now,
        )
        .expect("the check-in is recorded");
        if i == 1 {
            r.checkpoint();
        }
    }
    if close {
        let t = opened_at() + Duration::hours(8);
        r.notes(
            "Secretary Sam",
            "The convenor presented the Code; no questions.",
            t,
        );
        r.close(t + Duration::minutes(1));
    }
    r
}

pub fn bundle(signer: &Signer, n: usize) -> Bundle {
    recorded_meeting(signer, "m-plenary-2026", n, true).bundle()
}

pub fn signer(seed: u8) -> Signer {
    Signer::from_seed(&[seed; 32])
}

/// Runs the real `rollcall` binary.
pub fn rollcall(args: &[&str], cwd: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("ROLLCALL_KEYS");
    http::output_within(&mut command, http::COMMAND_TIMEOUT)
}

pub fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

pub fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

pub fn vector(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors")
            .join(name),
    )
    .unwrap()
}

/// Replaces the base64 character at `i` with a different one.
pub fn flip_b64(s: &str, i: usize) -> String {
    let mut bytes = s.as_bytes().to_vec();
    bytes[i] = if bytes[i] == b'Q' { b'R' } else { b'Q' };
    String::from_utf8(bytes).unwrap()
}

/// Set by `.ci/run`: every external program a test uses must be installed,
/// and a missing one fails the test instead of skipping it.
pub const REQUIRE_ALL: &str = "ROLLCALL_TEST_REQUIRE_ALL";

/// The shipped subsets of Noto fonts for the scripts the tests' names use
/// (tests/fonts/OFL.txt), so that the PDF tests need no system fonts.
pub fn test_fonts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fonts")
}

/// Whether `program` (from Debian's `package`) is on the PATH. When it is
/// not, the test skips what needs it and says so in one line on stderr,
/// once per program, unless [`REQUIRE_ALL`] is set, when the test fails.
pub fn have(program: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    if !found {
        missing(&format!("{program} (Debian package {package})"));
    }
    found
}

/// Reports that something a test needs is missing: one line on stderr
/// (written past the test harness's capture, so `cargo test` shows it)
/// the first time, or a failure when [`REQUIRE_ALL`] is set.
pub fn missing(what: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    if std::env::var_os(REQUIRE_ALL).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{what} is missing and {REQUIRE_ALL} is set: install it (.ci/run does)");
    }
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|s| s == what) {
        said.push(what.to_owned());
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping the checks that need {what}: not installed here"
        );
    }
}
